package org.dualsparse.zoo;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Path;
import java.util.Map;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Builds the block of a DJL model from a HuggingFace MoE checkpoint folder ({@code config.json} +
 * safetensors), loading the weights into the model's manager. DJL's model loader calls it when
 * the Criteria argument (or {@code serving.properties} key) {@code blockFactory} names this class.
 */
public final class MoeBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        return MoeLanguageModel.load(modelPath, model).block();
    }
}
