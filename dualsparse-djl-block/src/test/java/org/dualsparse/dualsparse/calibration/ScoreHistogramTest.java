package org.dualsparse.dualsparse.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScoreHistogramTest {

    @Test
    void countsBelowBinEdgesAreExactAndInterpolatedInside() {
        ScoreHistogram h = new ScoreHistogram(new long[] {2, 0, 4, 2});
        assertEquals(0, h.countBelow(0));
        assertEquals(2, h.countBelow(0.25));
        assertEquals(2, h.countBelow(0.5));
        assertEquals(4, h.countBelow(0.625));
        assertEquals(6, h.countBelow(0.75));
        assertEquals(8, h.countBelow(1));
        assertEquals(8, h.total());
    }

    @Test
    void quantileInvertsCountBelow() {
        ScoreHistogram h = new ScoreHistogram(new long[] {2, 0, 4, 2});
        assertEquals(0.625, h.quantile(0.5), 1e-12);
        for (double q = 0.05; q < 1; q += 0.1) {
            assertEquals(q * h.total(), h.countBelow(h.quantile(q)), 1e-9);
        }
    }

    @Test
    void binsMatchTheDropRulesStrictComparison() {
        int bins = ScoreHistogram.DEFAULT_BINS;
        long[] counts = new long[bins];
        Random random = new Random(3);
        float[] values = new float[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
            counts[ScoreHistogram.bin(values[i], bins)]++;
        }
        ScoreHistogram h = new ScoreHistogram(counts);
        for (int edge = 0; edge <= bins; edge += 97) {
            double x = (double) edge / bins;
            long below = 0;
            for (float v : values) {
                below += v < x ? 1 : 0;
            }
            assertEquals(below, h.countBelow(x), 0, "edge " + edge);
        }
        assertEquals(bins - 1, ScoreHistogram.bin(1.0, bins));
        assertEquals(0, ScoreHistogram.bin(-0.0, bins));
    }

    @Test
    void addingNeedsEqualBins() {
        ScoreHistogram sum = new ScoreHistogram(new long[] {1, 2}).plus(new ScoreHistogram(new long[] {3, 4}));
        assertEquals(10, sum.total());
        assertThrows(IllegalArgumentException.class, () -> sum.plus(new ScoreHistogram(new long[] {1})));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> new ScoreHistogram(new long[] {1, -1}));
        assertTrue(negative.getMessage().contains("bin 1"), negative.getMessage());
    }
}
