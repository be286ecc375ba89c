package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SortedMap;
import org.dualsparse.dualsparse.CalibratedModels.Calibrated;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.calibration.LayerSensitivity;
import org.dualsparse.dualsparse.calibration.SensitivityCurve;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.model.MoeLanguageModel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Thresholds solved from a calibration profile give the target drop rate on the calibration
 * data, and running the model with them on the same tokens realises what the solver predicted.
 */
class ThresholdCalibrationTest {

    private static final double TARGET_TOLERANCE = 0.005;
    /** The first MoE layer sees the calibration inputs unchanged: only the histogram's resolution separates the two. */
    private static final double FIRST_LAYER_TOLERANCE = 0.005;
    /** Deeper layers see inputs changed by the drops above them (measured: at most 0.2 point). */
    private static final double DEEPER_TOLERANCE = 0.01;

    @ParameterizedTest(name = "{0} δ={1}")
    @CsvSource({"mixtral, 0", "mixtral, 0.01", "olmoe, 0", "olmoe, 0.01", "qwen2Moe, 0", "qwen2Moe, 0.01",
        "deepseekV2Lite, 0", "deepseekV2Lite, 0.01"})
    void solvedThresholdsHitTheTargetAndTheRunAgrees(String name, double delta, @TempDir Path dir) throws IOException {
        Calibrated c = CalibratedModels.calibrate(name, dir, ImportanceMetric.ABS_GATE);
        ThresholdSolver solver = new ThresholdSolver(c.profile(), Partition.halves(2));
        for (double target : new double[] {0.10, 0.20}) {
            ThresholdDropPolicy global = solver.global(target, Margin.absolute(delta));
            check(c, solver, global, target, name + " global", false);
            ThresholdDropPolicy equal = solver.perLayerEqual(target, Margin.absolute(delta));
            check(c, solver, equal, target, name + " per-layer", true);
            SortedMap<Integer, SensitivityCurve> curves;
            try (MoeLanguageModel lm = MoeLanguageModel.load(c.dir())) {
                DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.PROFILE,
                        c.profile().neuronOrder(), DropPolicy.NONE);
                curves = LayerSensitivity.measure(lm, ds, solver, target, Margin.absolute(delta), c.tokens().subList(0, 2), CalibratedModels.MAX_LENGTH);
            }
            ThresholdDropPolicy weighted = solver.sensitivityWeighted(target, Margin.absolute(delta), curves);
            check(c, solver, weighted, target, name + " sensitivity", false);
        }
    }

    private static void check(Calibrated c, ThresholdSolver solver, ThresholdDropPolicy policy, double target,
            String what, boolean everyLayer) {
        ThresholdSolver.Prediction predicted = solver.predict(policy);
        DropStats realised;
        try (MoeLanguageModel lm = MoeLanguageModel.load(c.dir())) {
            DualSparseRuntime ds = DualSparseRuntime.apply(lm.block(), Partition.halves(2), Reconstruction.PROFILE, c.profile().neuronOrder(), policy);
            CalibratedModels.run(lm, c.tokens());
            realised = ds.stats();
        }
        System.out.printf("%-24s target %.3f %s: predicted %.4f realised %.4f; per layer predicted %s realised %s%n",
                what, target, policy, predicted.overall(), realised.rates().decision(), predicted.perLayer(),
                realised.layers().stream().map(l -> String.format("%d=%.4f", l.layer(), l.rates().decision())).toList());
        assertEquals(target, predicted.overall(), TARGET_TOLERANCE, what + ": predicted overall rate");
        for (DropStats.Layer layer : realised.layers()) {
            double expected = predicted.perLayer().get(layer.layer());
            boolean first = layer.layer() == realised.layers().get(0).layer();
            assertEquals(expected, layer.rates().decision(), first ? FIRST_LAYER_TOLERANCE : DEEPER_TOLERANCE,
                    what + ": realised rate of layer " + layer.layer());
            if (everyLayer) {
                assertEquals(target, expected, TARGET_TOLERANCE, what + ": predicted rate of layer " + layer.layer());
            }
        }
        assertEquals(predicted.overall(), realised.rates().decision(), DEEPER_TOLERANCE, what + ": realised overall rate");
    }
}
