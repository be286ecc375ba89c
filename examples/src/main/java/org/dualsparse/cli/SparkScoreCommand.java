package org.dualsparse.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.spark.JobData;
import org.dualsparse.spark.ScoreJob;
import org.dualsparse.spark.ScoreSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark score}: document → summed log-likelihood over a DataFrame, and the perplexity they add up to. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score every document of --data (a .txt file's documents, or field or column \"text\") as"
                + " `eval --task ppl` windows it, on Spark: per-document log-likelihood in rows.parquet (or rows.jsonl),"
                + " perplexity, word and byte perplexity and bits per byte in summary.json.")
final class SparkScoreCommand implements Callable<Integer> {

    @Mixin
    SparkOptions spark;

    @Option(names = "--window", description = "Most tokens per forward pass (default 256, or the model's maximum).")
    Integer window;

    @Option(names = "--format", defaultValue = "parquet", description = "parquet or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Mixin
    DualSparseOptions dualSparse;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        JobData.Format output = JobData.Format.parse(format);
        Map<String, Object> arguments = SparkJobs.modelArguments(backend, dualSparse);
        return SparkJobs.runRows(spark, "score", arguments, output,
                (session, model) -> ScoreJob.run(spark.read(session, "text"), model, window),
                (results, summary) -> {
                    ScoreSummary s = ScoreSummary.of(results);
                    summary.put("tokens", s.tokens());
                    summary.put("tokens_per_s", s.tokens() / (double) summary.get("seconds"));
                    summary.put("mean_nll", s.meanNll());
                    summary.put("perplexity", s.perplexity());
                    summary.put("word_perplexity", s.wordPerplexity());
                    summary.put("byte_perplexity", s.bytePerplexity());
                    summary.put("bits_per_byte", s.bitsPerByte());
                    SparkJobs.putDropRates(summary, s.decisionDropRate(), s.skippedWorkRate());
                });
    }
}
