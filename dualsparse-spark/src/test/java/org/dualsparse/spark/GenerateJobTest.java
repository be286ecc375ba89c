package org.dualsparse.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.dualsparse.generate.Generation;
import org.dualsparse.translate.GenerationRequest;
import org.dualsparse.zoo.MoeCriteria;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark generate} answers every prompt as a single process's Predictor does, with its
 * realised drop rate; a row that cannot be generated (no prompt, a prompt longer than the model's
 * positions) comes out with its error and the others are unaffected.
 */
@Tag("kernel-insensitive")
class GenerateJobTest {

    private static final List<String> PROMPTS = List.of("And God said unto Moses,", "In the beginning", "The LORD is my shepherd;",
            "And it came to pass", "Blessed are the meek:", "Then Jesus");

    @Test
    void everyPromptIsAnsweredAsBySingleProcessGenerationAndBadRowsAreReported(@TempDir Path dir) throws Exception {
        Map<String, Object> arguments = Map.of("max_new_tokens", 12, "seed", 7, "method", "2t", "threshold", 0.1);
        List<String> lines = new ArrayList<>();
        PROMPTS.forEach(p -> lines.add("{\"prompt\": \"" + p + "\"}"));
        lines.add(2, "{\"text\": \"this row has no prompt\"}");
        lines.add("{\"prompt\": \"" + "and ".repeat(1200) + "\"}");
        Path data = dir.resolve("prompts.jsonl");
        Files.write(data, lines);

        RowResults results = GenerateJob.run(JobData.read(LocalSpark.session(), data, "prompt").repartition(2),
                LocalSpark.broadcast(ModelSpec.of(LocalSpark.MODEL, arguments)));
        List<Row> rows = results.rows().orderBy("id").collectAsList();
        GenerationSummary summary = GenerationSummary.of(results);

        assertEquals(lines.size(), results.rowsIn());
        assertEquals(2, results.failed());
        assertEquals("row 2 has no prompt", rows.get(2).getAs("error"));
        String tooLong = rows.get(lines.size() - 1).getAs("error");
        assertTrue(tooLong.contains("max_position_embeddings") || tooLong.contains("positions"), tooLong);

        Criteria.Builder<GenerationRequest, Generation> criteria = MoeCriteria.builder()
                .setTypes(GenerationRequest.class, Generation.class).optModelPath(LocalSpark.MODEL);
        arguments.forEach(criteria::optArgument);
        try (ZooModel<GenerationRequest, Generation> zoo = criteria.build().loadModel();
                Predictor<GenerationRequest, Generation> predictor = zoo.newPredictor()) {
            for (Row row : rows) {
                String prompt = row.getAs("prompt");
                if (row.getAs("error") != null) {
                    continue;
                }
                Generation expected = predictor.predict(GenerationRequest.of(prompt));
                assertEquals(expected.text(), row.getAs("text"), prompt);
                assertEquals(expected.tokenIds().length, (int) row.getAs("generated_tokens"));
                assertEquals(expected.finishReason().name().toLowerCase(), row.getAs("finish_reason"));
                assertNotNull(row.getAs("decision_drop_rate"));
                assertNull(row.getAs("error"));
            }
        }
        assertEquals(PROMPTS.size(), summary.prompts());
        assertEquals(PROMPTS.size() * 12L, summary.generatedTokens());
        assertTrue(summary.decisionDropRate() > 0.05 && summary.decisionDropRate() < 0.6, "rate " + summary.decisionDropRate());
        results.rows().unpersist();
    }
}
