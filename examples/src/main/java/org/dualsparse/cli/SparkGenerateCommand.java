package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.spark.GenerateJob;
import org.dualsparse.spark.GenerationSummary;
import org.dualsparse.spark.JobData;
import org.dualsparse.spark.ModelSpec;
import org.dualsparse.spark.RowResults;
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

    @Option(names = "--model", description = "Model folder, readable by every executor." + ShippedModel.DEFAULT)
    Path model;

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
        model = ShippedModel.orDefault(model);
        JobData.Format output = JobData.Format.parse(format);
        Map<String, Object> arguments = new LinkedHashMap<>(backend.arguments());
        arguments.putAll(dualSparse.arguments());
        arguments.putAll(sampling.arguments());
        spark.checkOut();
        SparkSession session = spark.session("generate");
        try {
            long start = System.nanoTime();
            RowResults results = GenerateJob.run(spark.read(session, "prompt"), SparkJobs.broadcast(session, ModelSpec.of(model, arguments)));
            Path written = JobData.write(results, spark.out, output);
            GenerationSummary s = GenerationSummary.of(results);
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Object> summary = SparkJobs.header("generate", session, model, arguments, written, seconds);
            summary.put("prompts", results.rowsIn());
            summary.put("failed", s.failed());
            summary.put("prompt_tokens", s.promptTokens());
            summary.put("generated_tokens", s.generatedTokens());
            summary.put("generated_tokens_per_s", s.generatedTokens() / seconds);
            summary.put("finish_reasons", s.finishReasons());
            SparkJobs.putDropRates(summary, s.decisionDropRate(), s.skippedWorkRate());
            SparkSummary.write(spark.out, summary);
            return SparkSummary.exitCode(s.failed(), results.rowsIn(), written);
        } finally {
            session.stop();
        }
    }
}
