package org.dualsparse.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.calibration.LayerProfile;
import org.dualsparse.dualsparse.calibration.ThresholdSolver;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark calibrate} measures what {@code calibrate} measures on the same documents: the
 * same score histograms (so the same thresholds for every target), importance equal to a float
 * ulp, and the routing trace {@code ep-sim} records, whatever the partitioning.
 */
@Tag("kernel-insensitive")
class RouteJobTest {

    private static final int CHAPTERS = 5;
    private static final int SEQ_LEN = 256;

    @Test
    void theProfileAndTraceEqualOneProcessCalibratingTheSameDocuments(@TempDir Path dir) throws Exception {
        Path text = LocalSpark.heldoutChapters(dir, CHAPTERS);
        Files.writeString(text, Files.readString(text) + "\n\n\n");
        RouteJob.Result spark = RouteJob.run(JobData.read(LocalSpark.session(), text, "text"),
                LocalSpark.broadcast(ModelSpec.of(LocalSpark.MODEL, Map.of())), ImportanceMetric.DEFAULT, 3, SEQ_LEN, true);

        CalibrationProfile single;
        List<LayerRouting> trace;
        try (MoeLanguageModel lm = MoeLanguageModel.load(LocalSpark.MODEL); TextTokenizer tokenizer = TextTokenizer.load(LocalSpark.MODEL)) {
            List<long[]> tokens = TextDocuments.tokenize(TextDocuments.read(text), tokenizer);
            single = Calibrator.attach(lm).run(tokens, ImportanceMetric.DEFAULT, SEQ_LEN, null);
            trace = RoutingRecorder.record(lm, tokens, SEQ_LEN);
        }
        assertEquals(CHAPTERS, spark.documents());
        assertTrue(spark.errors().isEmpty());
        assertEquals(single.tokens(), spark.tokens());
        assertEquals(single.model(), spark.profile().model());
        for (int i = 0; i < single.layers().size(); i++) {
            LayerProfile want = single.layers().get(i);
            LayerProfile got = spark.profile().layers().get(i);
            assertArrayEquals(want.scores().counts(), got.scores().counts(), "score histogram of layer " + want.layer());
            assertArrayEquals(want.topTwoRatios().counts(), got.topTwoRatios().counts());
            for (int e = 0; e < want.importance().length; e++) {
                for (int n = 0; n < want.importance()[e].length; n++) {
                    float w = want.importance()[e][n];
                    assertEquals(w, got.importance()[e][n], Math.ulp(w), "importance of layer " + want.layer());
                }
            }
        }
        ThresholdSolver wanted = new ThresholdSolver(single, Partition.halves(2));
        ThresholdSolver solved = new ThresholdSolver(spark.profile(), Partition.halves(2));
        for (double rate : new double[] {0.1, 0.25, 0.4}) {
            Margin margin = Margin.relative(0.5);
            assertEquals(wanted.global(rate, margin).toString(), solved.global(rate, margin).toString());
            assertEquals(wanted.perLayerEqual(rate, margin).toString(), solved.perLayerEqual(rate, margin).toString());
        }
        assertEquals(trace.size(), spark.trace().size());
        for (int b = 0; b < trace.size(); b++) {
            assertEquals(trace.get(b).layer(), spark.trace().get(b).layer());
            assertArrayEquals(trace.get(b).routing().experts(), spark.trace().get(b).routing().experts());
            assertArrayEquals(trace.get(b).routing().hostWeights(), spark.trace().get(b).routing().hostWeights());
        }
    }
}
