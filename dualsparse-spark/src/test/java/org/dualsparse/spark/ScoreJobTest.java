package org.dualsparse.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.eval.Perplexity;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code spark score} adds up to {@code eval --task ppl}: the same perplexity (to double rounding
 * of the sums) and, with DualSparse dropping, the same realised drop rate, over documents split
 * across partitions and scored by two task threads sharing one model.
 */
@Tag("kernel-insensitive")
class ScoreJobTest {

    private static final int CHAPTERS = 6;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void perplexityAndDropRateEqualTheSingleProcessRun(boolean dropping, @TempDir Path dir) throws Exception {
        Path text = LocalSpark.heldoutChapters(dir, CHAPTERS);
        Map<String, Object> arguments = dropping ? Map.of("method", "2t", "threshold", 0.1) : Map.of();
        ModelSpec spec = ModelSpec.of(LocalSpark.MODEL, arguments);

        Dataset<Row> documents = JobData.read(LocalSpark.session(), text, "text").repartition(3);
        RowResults results = ScoreJob.run(documents, LocalSpark.broadcast(spec), null);
        ScoreSummary summary = ScoreSummary.of(results);

        Perplexity.Result single;
        List<long[]> tokens;
        try (MoeLanguageModel lm = MoeLanguageModel.load(LocalSpark.MODEL); TextTokenizer tokenizer = TextTokenizer.load(LocalSpark.MODEL)) {
            if (dropping) {
                DualSparseSettings.fromArguments(arguments).applyTo(lm);
            }
            tokens = TextDocuments.tokenize(TextDocuments.read(text), tokenizer);
            single = new Perplexity(lm, Perplexity.DEFAULT_WINDOW).measure(tokens, null);
        }
        assertEquals(CHAPTERS, results.rowsIn());
        assertEquals(0, results.failed());
        assertEquals(single.tokens(), summary.tokens());
        assertEquals(single.perplexity(), summary.perplexity(), 1e-9 * single.perplexity());
        String chapters = Files.readString(text);
        assertEquals(TextDocuments.read(text).stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum(),
                summary.bytes());
        assertTrue(summary.words() > 0 && summary.words() < chapters.length());
        if (dropping) {
            double rate = single.dropRates().orElseThrow().decision();
            assertTrue(rate > 0.05, "the threshold drops something: " + rate);
            assertEquals(rate, summary.decisionDropRate(), 1e-12);
            assertEquals(single.dropRates().orElseThrow().skippedWork(), summary.skippedWorkRate(), 1e-12);
        } else {
            assertTrue(Double.isNaN(summary.decisionDropRate()));
            assertTrue(DualSparseRuntime.of(ExecutorModel.of(spec).zoo().getBlock()).isEmpty());
        }
        results.rows().unpersist();
    }
}
