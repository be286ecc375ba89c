package org.dualsparse.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Row;

/**
 * What a score job's rows add up to: token-level perplexity as {@code eval --task ppl} reports
 * it, and the word- and byte-level figures lm-evaluation-harness reports for rolling-loglikelihood
 * tasks; failed rows are left out of every sum.
 *
 * @param documents rows scored
 * @param failed rows that failed
 * @param tokens tokens scored
 * @param nll their summed negative log-likelihood, in nats
 * @param decisionDropRate over every scored row's passes, or NaN without DualSparse
 * @param skippedWorkRate likewise
 */
public record ScoreSummary(long documents, long failed, long tokens, long words, long bytes, double nll,
        double decisionDropRate, double skippedWorkRate) {

    /** Sums the rows of a score job. */
    public static ScoreSummary of(RowResults results) {
        Row sums = results.rows().filter(col("error").isNull())
                .select(RowDropRates.withSums(sum("tokens"), sum("words"), sum("bytes"), sum("nll"))).first();
        double[] rates = RowDropRates.ofJob(sums, 4);
        return new ScoreSummary(results.rowsIn() - results.failed(), results.failed(), longOrZero(sums, 0), longOrZero(sums, 1),
                longOrZero(sums, 2), sums.isNullAt(3) ? 0 : sums.getDouble(3), rates[0], rates[1]);
    }

    /** Mean negative log-likelihood per scored token. */
    public double meanNll() {
        return nll / tokens;
    }

    /** {@code exp(meanNll)}: what {@code eval --task ppl} reports. */
    public double perplexity() {
        return Math.exp(meanNll());
    }

    /** lm-evaluation-harness's {@code word_perplexity}: {@code exp(nll / words)}. */
    public double wordPerplexity() {
        return Math.exp(nll / words);
    }

    /** lm-evaluation-harness's {@code byte_perplexity}: {@code exp(nll / bytes)}. */
    public double bytePerplexity() {
        return Math.exp(nll / bytes);
    }

    /** lm-evaluation-harness's {@code bits_per_byte}: {@code nll / (bytes · ln 2)}. */
    public double bitsPerByte() {
        return nll / (bytes * Math.log(2));
    }

    private static long longOrZero(Row row, int i) {
        return row.isNullAt(i) ? 0 : row.getLong(i);
    }
}
