package org.dualsparse.zoo;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Builds the block of a DJL model from a HuggingFace MoE checkpoint folder ({@code config.json} +
 * safetensors), loading the weights into the model's manager. DJL's model loader calls it when
 * the Criteria argument (or {@code serving.properties} key) {@code blockFactory} names this class.
 * The load arguments ({@link LoadArguments#ARGUMENTS}) choose the backend that multiplies by the
 * weights and the format it stores them in. DualSparse arguments ({@link
 * DualSparseSettings#ARGUMENTS}) partition the experts and set the drop rule; what they measure
 * on calibration text (a profile, layer costs) {@link LoadTimeCalibration} measures first.
 * {@link DualSparseRuntime#of} then reads the statistics from the model's block. The language
 * model built here (block, parsed config, generation defaults) is the one {@link
 * MoeTranslatorFactory} serves: it is handed over, not read again.
 */
public final class MoeBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        LoadOptions options = LoadArguments.fromArguments(arguments);
        DualSparseSettings dualSparse = DualSparseSettings.fromArguments(arguments);
        MoeLanguageModel lm = MoeLanguageModel.load(modelPath, model, options);
        if (dualSparse != null) {
            partition(lm, dualSparse, modelPath);
        }
        LanguageModelHandoff.hold(lm);
        return lm.block();
    }

    private static void partition(MoeLanguageModel lm, DualSparseSettings dualSparse, Path modelPath) {
        CalibrationProfile measured = LoadTimeCalibration.measureFor(dualSparse, lm, modelPath);
        List<long[]> sensitivityTokens = LoadTimeCalibration.sensitivityTokens(dualSparse, modelPath);
        dualSparse.applyTo(lm, measured, sensitivityTokens);
    }
}
