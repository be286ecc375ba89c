package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The little-endian float32 files `logits --logits-out` writes, read back and compared relative to the logit scale. */
final class LogitFiles {

    /**
     * How far two computation paths of one input (cache or none, whole or partitioned experts) may
     * differ, relative to the logit scale, as in the block's parity tests.
     */
    static final float TOLERANCE = 1e-5f;

    private LogitFiles() {}

    static float[] read(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** Asserts max |expected − actual| ≤ {@link #TOLERANCE} · max |expected|. */
    static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        float diff = maxAbsDiff(expected, actual);
        assertTrue(diff <= TOLERANCE * maxAbs(expected),
                what + ": max |Δlogit| " + diff + " at logit scale " + maxAbs(expected));
    }

    static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
