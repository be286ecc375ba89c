package org.dualsparse.zoo;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Path;
import java.util.Map;
import org.dualsparse.dualsparse.DualSparse;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * Builds the block of a DJL model from a HuggingFace MoE checkpoint folder ({@code config.json} +
 * safetensors), loading the weights into the model's manager. DJL's model loader calls it when
 * the Criteria argument (or {@code serving.properties} key) {@code blockFactory} names this class.
 * DualSparse arguments ({@link DualSparseSettings#ARGUMENTS}) partition the experts and set the
 * drop rule ({@code per_layer=sensitivity} measures each layer's cost on the folder's
 * tokenised {@code sensitivity_data} first); {@link DualSparse#of} then reads the statistics from
 * the model's block.
 */
public final class MoeBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        MoeLanguageModel lm = MoeLanguageModel.load(modelPath, model);
        DualSparseSettings dualSparse = DualSparseSettings.fromArguments(arguments);
        if (dualSparse != null && dualSparse.perLayer() == DualSparseSettings.PerLayer.SENSITIVITY) {
            try (TextTokenizer tokenizer = TextTokenizer.load(modelPath)) {
                dualSparse.applyTo(lm, TextDocuments.tokenize(TextDocuments.read(dualSparse.sensitivityText(modelPath)), tokenizer));
            }
        } else if (dualSparse != null) {
            dualSparse.applyTo(lm);
        }
        return lm.block();
    }
}
