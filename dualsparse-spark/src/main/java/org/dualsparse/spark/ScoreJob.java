package org.dualsparse.spark;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.dualsparse.eval.Perplexity;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Document → summed log-likelihood over a DataFrame of {@code id, text}, windowed as {@code eval
 * --task ppl} windows it ({@link Perplexity}): the rows' sums add up to that command's perplexity
 * over the same documents, and to lm-evaluation-harness's rolling-loglikelihood metrics ({@link
 * ScoreSummary}).
 */
public final class ScoreJob {

    /**
     * One row per document: tokens scored (all but the first), their summed negative
     * log-likelihood in nats and its negation (the loglikelihood), the document's UTF-8 bytes and
     * whitespace-separated words, and the row's realised drop rates.
     */
    public static final StructType OUTPUT = RowDropRates.addColumns(new StructType()
                    .add("id", DataTypes.LongType, false)
                    .add("tokens", DataTypes.LongType)
                    .add("nll", DataTypes.DoubleType)
                    .add("loglikelihood", DataTypes.DoubleType)
                    .add("bytes", DataTypes.LongType)
                    .add("words", DataTypes.LongType))
            .add("error", DataTypes.StringType);

    private ScoreJob() {}

    /**
     * Scores every row of {@code documents} (columns {@code id} long, {@code text} string).
     *
     * @param window the most tokens per forward pass, or null for {@link Perplexity#DEFAULT_WINDOW}
     *     (or the model's maximum, if less)
     * @throws RowCountException when the output does not hold every document once
     */
    public static RowResults run(Dataset<Row> documents, Broadcast<ModelSpec> model, Integer window) {
        Dataset<Row> input = JobInput.select(documents, "text");
        return RowResults.check("score", input, input.mapPartitions(new Task(model, window), Encoders.row(OUTPUT)));
    }

    private static final class Task implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final Broadcast<ModelSpec> model;
        private final Integer window;

        Task(Broadcast<ModelSpec> model, Integer window) {
            this.model = model;
            this.window = window;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            if (!rows.hasNext()) {
                return rows;
            }
            ExecutorModel executor = ExecutorModel.of(model.value());
            MoeLanguageModel lm = executor.languageModel();
            Perplexity perplexity = new Perplexity(lm,
                    window != null ? window : Math.min(Perplexity.DEFAULT_WINDOW, lm.config().decoder().maxPositions()));
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                out.add(score(perplexity, executor, row.getLong(0), row.getString(1)));
            }
            return out.iterator();
        }

        private static Row score(Perplexity perplexity, ExecutorModel executor, long id, String text) {
            if (text == null) {
                return failed(id, "row " + id + " has no text");
            }
            try (RowDropRates drops = RowDropRates.measure(executor.dualSparse())) {
                Perplexity.DocumentScore score = perplexity.score(executor.tokenizer().encode(text, true));
                Object[] rates = drops.values();
                String stripped = text.strip();
                long words = stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
                return RowFactory.create(id, score.tokens(), score.nll(), -score.nll(),
                        (long) text.getBytes(StandardCharsets.UTF_8).length, words, rates[0], rates[1], rates[2], null);
            } catch (RuntimeException e) {
                return failed(id, RowError.describe(e));
            }
        }

        private static Row failed(long id, String error) {
            return RowFactory.create(id, null, null, null, null, null, null, null, null, error);
        }
    }
}
