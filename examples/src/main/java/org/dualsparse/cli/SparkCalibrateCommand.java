package org.dualsparse.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.parallel.RoutingTrace;
import org.dualsparse.spark.JobData;
import org.dualsparse.spark.ModelSpec;
import org.dualsparse.spark.RouteJob;
import org.dualsparse.spark.RowError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark calibrate}: documents → one calibration profile (and routing trace), measured across the cluster. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = "Measure a calibration profile on every document of --data (a .txt file's documents, or field or"
                + " column \"text\") on Spark, as `calibrate` measures it: writes dualsparse.profile, with --trace the"
                + " routing trace ep-sim replays (routing-trace.txt), and summary.json to --out.")
final class SparkCalibrateCommand implements Callable<Integer> {

    @Mixin
    SparkOptions spark;

    @Option(names = "--seq-len", description = "Longest forward pass; longer documents are cut (default 512, or the model's maximum).")
    Integer seqLen;

    @Option(names = "--metric", defaultValue = "abs-gate-up",
            description = "Neuron importance: gate, abs-gate, gate-up, abs-gate-up (default ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--trace", description = "Also write the routing trace of every forward pass (collected on the driver).")
    boolean trace;

    /** The margin of the 2T thresholds in the summary. */
    @Mixin
    MarginOptions margin;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws IOException {
        Path model = spark.model();
        ImportanceMetric importance = ImportanceMetric.parse(metric);
        Map<String, Object> arguments = new LinkedHashMap<>(backend.arguments());
        spark.checkOut();
        SparkSession session = spark.session("calibrate");
        try {
            long start = System.nanoTime();
            RouteJob.Result result = SparkJobs.failingWithCause("calibrate", () -> RouteJob.run(
                    JobData.read(session, spark.data, "text"), SparkJobs.broadcast(session, ModelSpec.of(model, arguments)),
                    importance, spark.partitions(session), seqLen, trace));
            return report(result, SparkJobs.header("calibrate", session, model, arguments, null, (System.nanoTime() - start) / 1e9));
        } finally {
            session.stop();
        }
    }

    /** Writes the profile, the trace if asked for and the summary; 1 when documents failed. */
    private int report(RouteJob.Result result, Map<String, Object> summary) throws IOException {
        Files.createDirectories(spark.out);
        Path profile = spark.out.resolve("dualsparse.profile");
        result.profile().save(profile);
        System.out.println("wrote " + profile);
        if (trace) {
            Path traceFile = spark.out.resolve("routing-trace.txt");
            RoutingTrace.write(traceFile, result.trace());
            System.out.println("wrote " + traceFile);
        }
        CalibrationSummary.print(System.out, result.profile(), margin.margin());
        summary.put("documents", result.documents() + result.errors().size());
        summary.put("failed", result.errors().size());
        summary.put("tokens", result.tokens());
        summary.put("tokens_per_s", result.tokens() / (double) summary.get("seconds"));
        summary.put("profile", profile.toString());
        summary.put("errors", result.errors().stream().map(e -> Map.of("id", e.id(), "error", e.message())).toList());
        SparkSummary.write(spark.out, summary);
        if (!result.errors().isEmpty()) {
            RowError first = result.errors().get(0);
            System.err.printf("%d documents failed (row %d: %s); the profile is of the others%n", result.errors().size(), first.id(),
                    first.message());
            return 1;
        }
        return 0;
    }
}
