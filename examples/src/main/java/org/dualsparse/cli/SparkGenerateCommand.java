package org.dualsparse.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.dualsparse.spark.GenerateJob;
import org.dualsparse.spark.GenerationSummary;
import org.dualsparse.spark.JobData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark generate}: prompt → text over a DataFrame. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue every prompt of --data (field or column \"prompt\"; a .txt file's documents) as `generate`"
                + " would, on Spark; writes rows.parquet (or rows.jsonl) and summary.json to --out.")
final class SparkGenerateCommand implements Callable<Integer> {

    @Mixin
    SparkOptions spark;

    @Option(names = "--format", defaultValue = "parquet", description = "parquet or jsonl (default ${DEFAULT-VALUE}).")
    String format;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    DualSparseOptions dualSparse;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() {
        JobData.Format output = JobData.Format.parse(format);
        Map<String, Object> arguments = SparkJobs.modelArguments(backend, dualSparse);
        arguments.putAll(sampling.arguments());
        return SparkJobs.runRows(spark, "generate", arguments, output,
                (session, model) -> GenerateJob.run(spark.read(session, "prompt"), model),
                (results, summary) -> {
                    GenerationSummary s = GenerationSummary.of(results);
                    summary.put("prompt_tokens", s.promptTokens());
                    summary.put("generated_tokens", s.generatedTokens());
                    summary.put("generated_tokens_per_s", s.generatedTokens() / (double) summary.get("seconds"));
                    summary.put("finish_reasons", s.finishReasons());
                    SparkJobs.putDropRates(summary, s.decisionDropRate(), s.skippedWorkRate());
                });
    }
}
