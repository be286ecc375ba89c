package org.dualsparse.dualsparse.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.dualsparse.dualsparse.CalibratedModels;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.junit.jupiter.api.Test;

/**
 * Calibration in parts: tallies of disjoint data add up to the profile of one run over all of it
 * (identical histograms, importance equal up to double rounding), also when the parts run at once
 * on threads sharing one model, and after a round trip through Java serialization.
 */
class CalibrationTallyTest {

    private static final int MAX_LENGTH = 32;

    @Test
    void partsCalibratedOnThreadsSharingAModelAddUpToOneRunOverAllTheData() throws Exception {
        List<long[]> tokens = CalibratedModels.tokens(256, 8, 50, 21);
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5)) {
            Calibrator calibrator = Calibrator.attach(lm);
            CalibrationProfile whole = calibrator.run(tokens, ImportanceMetric.DEFAULT, MAX_LENGTH, null);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                Future<CalibrationTally> first = threads.submit(
                        () -> calibrator.tally(tokens.subList(0, 3), ImportanceMetric.DEFAULT, MAX_LENGTH, null));
                Future<CalibrationTally> second = threads.submit(
                        () -> calibrator.tally(tokens.subList(3, 8), ImportanceMetric.DEFAULT, MAX_LENGTH, null));
                CalibrationProfile parts = roundTrip(first.get()).plus(roundTrip(second.get())).profile();
                assertSameProfile(whole, parts);
            } finally {
                threads.shutdown();
            }
        }
    }

    @Test
    void talliesOfDifferentMetricsOrModelsDoNotAdd() {
        List<long[]> tokens = CalibratedModels.tokens(256, 2, 20, 3);
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5);
                MoeLanguageModel other = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 6)) {
            CalibrationTally tally = Calibrator.attach(lm).tally(tokens, ImportanceMetric.DEFAULT, MAX_LENGTH, null);
            CalibrationTally gate = Calibrator.attach(lm).tally(tokens, ImportanceMetric.GATE, MAX_LENGTH, null);
            CalibrationTally otherModel = Calibrator.attach(other).tally(tokens, ImportanceMetric.DEFAULT, MAX_LENGTH, null);
            assertThrows(IllegalArgumentException.class, () -> tally.plus(gate));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> tally.plus(otherModel));
            assertTrue(refused.getMessage().contains(otherModel.model().toString()), refused.getMessage());
        }
    }

    private static void assertSameProfile(CalibrationProfile expected, CalibrationProfile actual) {
        assertEquals(expected.model(), actual.model());
        assertEquals(expected.tokens(), actual.tokens());
        assertEquals(expected.layers().size(), actual.layers().size());
        for (int i = 0; i < expected.layers().size(); i++) {
            LayerProfile e = expected.layers().get(i);
            LayerProfile a = actual.layers().get(i);
            assertEquals(e.tokens(), a.tokens());
            assertArrayEquals(e.scores().counts(), a.scores().counts(), "score histogram of layer " + e.layer());
            assertArrayEquals(e.topTwoRatios().counts(), a.topTwoRatios().counts(), "s2/s1 histogram of layer " + e.layer());
            for (int x = 0; x < e.importance().length; x++) {
                for (int n = 0; n < e.importance()[x].length; n++) {
                    float want = e.importance()[x][n];
                    // Partial sums in double, rounded to float once: at most one float ulp apart.
                    assertEquals(want, a.importance()[x][n], Math.ulp(want), "importance of layer " + e.layer());
                }
            }
        }
    }

    private static CalibrationTally roundTrip(CalibrationTally tally) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(tally);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (CalibrationTally) in.readObject();
        }
    }
}
