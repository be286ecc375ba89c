package org.dualsparse.spark;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.dualsparse.generate.Generation;
import org.dualsparse.translate.GenerationRequest;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Prompt → text over a DataFrame of {@code id, prompt}: each task generates its rows one after
 * the other through its own {@code Predictor} of the executor's model, with the generation options
 * the {@link ModelSpec}'s arguments set (a row is what {@code generate --prompt} prints for it).
 */
public final class GenerateJob {

    /** One row per prompt: the text, its token ids, why it stopped, and the row's realised drop rates. */
    public static final StructType OUTPUT = RowDropRates.addColumns(new StructType()
                    .add("id", DataTypes.LongType, false)
                    .add("prompt", DataTypes.StringType)
                    .add("text", DataTypes.StringType)
                    .add("token_ids", DataTypes.createArrayType(DataTypes.LongType))
                    .add("finish_reason", DataTypes.StringType)
                    .add("prompt_tokens", DataTypes.IntegerType)
                    .add("generated_tokens", DataTypes.IntegerType))
            .add("error", DataTypes.StringType);

    private GenerateJob() {}

    /**
     * Generates for every row of {@code prompts} (columns {@code id} long, {@code prompt} string).
     *
     * @throws RowCountException when the output does not hold every prompt once
     */
    public static RowResults run(Dataset<Row> prompts, Broadcast<ModelSpec> model) {
        Dataset<Row> input = JobInput.select(prompts, "prompt");
        return RowResults.check("generate", input, input.mapPartitions(new Task(model), Encoders.row(OUTPUT)));
    }

    private static final class Task implements MapPartitionsFunction<Row, Row> {

        private static final long serialVersionUID = 1L;

        private final Broadcast<ModelSpec> model;

        Task(Broadcast<ModelSpec> model) {
            this.model = model;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            if (!rows.hasNext()) {
                return rows;
            }
            ExecutorModel executor = ExecutorModel.of(model.value());
            List<Row> out = new ArrayList<>();
            try (Predictor<GenerationRequest, Generation> predictor = executor.zoo().newPredictor()) {
                while (rows.hasNext()) {
                    Row row = rows.next();
                    out.add(generate(predictor, executor, row.getLong(0), row.getString(1)));
                }
            }
            return out.iterator();
        }

        private static Row generate(Predictor<GenerationRequest, Generation> predictor, ExecutorModel executor, long id, String prompt) {
            if (prompt == null) {
                return failed(id, null, "row " + id + " has no prompt");
            }
            try (RowDropRates drops = RowDropRates.measure(executor.dualSparse())) {
                Generation g = predictor.predict(GenerationRequest.of(prompt));
                Object[] rates = drops.values();
                // A Row's array column takes a Scala sequence.
                Object tokenIds = CollectionConverters.asScala(Arrays.stream(g.tokenIds()).boxed().toList());
                return RowFactory.create(id, prompt, g.text(), tokenIds, g.finishReason().name().toLowerCase(Locale.ROOT),
                        g.promptTokens(), g.tokenIds().length, rates[0], rates[1], rates[2], null);
            } catch (TranslateException | RuntimeException e) {
                return failed(id, prompt, RowError.describe(e));
            }
        }

        private static Row failed(long id, String prompt, String error) {
            return RowFactory.create(id, prompt, null, null, null, null, null, null, null, null, error);
        }
    }
}
