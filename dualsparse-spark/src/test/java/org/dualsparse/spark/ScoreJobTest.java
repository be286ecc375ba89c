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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark score} with DualSparse dropping adds up to a single process scoring the same
 * documents: the same perplexity (to double rounding of the sums) and the same realised drop rate,
 * over documents split across partitions and scored by two task threads sharing one model (each
 * row's rate counted on its own thread). Without dropping, {@code SparkCommandTest} compares with
 * {@code eval --task ppl}.
 */
@Tag("kernel-insensitive")
class ScoreJobTest {

    private static final int CHAPTERS = 6;

    @Test
    void perplexityAndDropRateEqualTheSingleProcessRun(@TempDir Path dir) throws Exception {
        Path text = LocalSpark.heldoutChapters(dir, CHAPTERS);
        Map<String, Object> arguments = Map.of("method", "2t", "threshold", 0.1);
        ModelSpec spec = ModelSpec.of(LocalSpark.MODEL, arguments);

        Dataset<Row> documents = JobData.read(LocalSpark.session(), text, "text").repartition(3);
        RowResults results = ScoreJob.run(documents, LocalSpark.broadcast(spec), null);
        ScoreSummary summary = ScoreSummary.of(results);

        Perplexity.Result single;
        List<long[]> tokens;
        try (MoeLanguageModel lm = MoeLanguageModel.load(LocalSpark.MODEL); TextTokenizer tokenizer = TextTokenizer.load(LocalSpark.MODEL)) {
            DualSparseSettings.fromArguments(arguments).applyTo(lm);
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
        double rate = single.dropRates().orElseThrow().decision();
        assertTrue(rate > 0.05, "the threshold drops something: " + rate);
        assertEquals(rate, summary.decisionDropRate(), 1e-12);
        assertEquals(single.dropRates().orElseThrow().skippedWork(), summary.skippedWorkRate(), 1e-12);
        assertTrue(DualSparseRuntime.of(ExecutorModel.of(spec).zoo().getBlock()).isPresent());
        results.rows().unpersist();
    }
}
