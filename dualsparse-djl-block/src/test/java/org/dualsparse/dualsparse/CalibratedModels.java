package org.dualsparse.dualsparse;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.Chunks;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;

/** Tiny random checkpoints, calibration tokens for them and their calibration profiles. */
public final class CalibratedModels {

    /** Forward passes of at most this many tokens: the 60-token sequences run as 32 + 28. */
    public static final int MAX_LENGTH = 32;

    private CalibratedModels() {}

    /** A checkpoint of {@code TinyConfigs.all().get(name)} in {@code dir}, its calibration tokens and profile. */
    public record Calibrated(Path dir, List<long[]> tokens, CalibrationProfile profile) {}

    public static Calibrated calibrate(String name, Path dir, ImportanceMetric metric) throws IOException {
        JsonObject config = TinyConfigs.all().get(name);
        ReferenceCheckpoints.write(dir, config, ReferenceWeights.random(config, 11), DType.F32, false);
        List<long[]> tokens = tokens(config.get("vocab_size").getAsInt(), 8, 60, 17);
        try (MoeLanguageModel lm = MoeLanguageModel.load(dir)) {
            return new Calibrated(dir, tokens, Calibrator.attach(lm).run(tokens, metric, MAX_LENGTH, null));
        }
    }

    public static List<long[]> tokens(int vocab, int sequences, int length, long seed) {
        Random random = new Random(seed);
        List<long[]> out = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
            long[] ids = new long[length];
            for (int i = 0; i < length; i++) {
                ids[i] = random.nextInt(vocab);
            }
            out.add(ids);
        }
        return out;
    }

    /** Runs {@code tokens}, chunked as calibration did, through {@code lm}. */
    public static void run(MoeLanguageModel lm, List<long[]> tokens) {
        for (long[] chunk : Chunks.of(lm, tokens, MAX_LENGTH)) {
            try (NDManager step = lm.model().getNDManager().newSubManager()) {
                lm.forward(step, new long[][] {chunk}, null, null, true);
            }
        }
    }
}
