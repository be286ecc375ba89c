package org.dualsparse.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a generate job's rows add up to; failed rows are left out of every sum.
 *
 * @param finishReasons how many generations stopped for each reason
 * @param decisionDropRate over every generated row's passes, or NaN without DualSparse
 */
public record GenerationSummary(long prompts, long failed, long promptTokens, long generatedTokens,
        Map<String, Long> finishReasons, double decisionDropRate, double skippedWorkRate) {

    /** Sums the rows of a generate job. */
    public static GenerationSummary of(RowResults results) {
        Dataset<Row> succeeded = results.rows().filter(col("error").isNull());
        Row sums = succeeded.select(RowDropRates.withSums(sum("prompt_tokens"), sum("generated_tokens"))).first();
        Map<String, Long> reasons = new TreeMap<>();
        for (Row r : succeeded.groupBy("finish_reason").count().collectAsList()) {
            reasons.put(r.getString(0), r.getLong(1));
        }
        double[] rates = RowDropRates.ofJob(sums, 2);
        return new GenerationSummary(results.rowsIn() - results.failed(), results.failed(),
                sums.isNullAt(0) ? 0 : sums.getLong(0), sums.isNullAt(1) ? 0 : sums.getLong(1), reasons, rates[0], rates[1]);
    }
}
