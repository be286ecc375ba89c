package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.spark.JobData;
import org.dualsparse.spark.ModelSpec;
import org.dualsparse.spark.RowResults;

/** What the {@code spark} commands share: how a row job runs, the broadcast model, failures, the head of their summaries. */
final class SparkJobs {

    private SparkJobs() {}

    /**
     * Runs a row job as the {@code spark} commands do: checks {@code --out}, starts the session,
     * runs the job on the model {@code arguments} describe, writes the rows and {@code
     * summary.json} (the header, then what {@code figures} adds), and stops the session.
     *
     * @return 0, or 1 when rows failed
     */
    static int runRows(SparkOptions spark, String job, Map<String, Object> arguments, JobData.Format format,
            BiFunction<SparkSession, Broadcast<ModelSpec>, RowResults> run, BiConsumer<RowResults, Map<String, Object>> figures) {
        Path model = spark.model();
        spark.checkOut();
        SparkSession session = spark.session(job);
        try {
            long start = System.nanoTime();
            RowResults results = failingWithCause(job, () -> run.apply(session, broadcast(session, ModelSpec.of(model, arguments))));
            Path written = JobData.write(results, spark.out, format);
            Map<String, Object> summary = header(job, session, model, arguments, written, (System.nanoTime() - start) / 1e9);
            summary.put("rows_in", results.rowsIn());
            summary.put("failed", results.failed());
            figures.accept(results, summary);
            SparkSummary.write(spark.out, summary);
            return SparkSummary.exitCode(results.failed(), results.rowsIn(), written);
        } finally {
            session.stop();
        }
    }

    /**
     * Runs {@code job} on Spark; a failed Spark job ({@code SparkException}) is reported by the
     * failure of its task, not by Spark's whole report.
     */
    static <T> T failingWithCause(String name, Supplier<T> job) {
        try {
            return job.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) { // Scala code throws SparkException, a checked exception, undeclared
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalStateException("spark " + name + " failed: " + (cause == e ? e.getMessage() : cause.toString()), e);
        }
    }

    /**
     * The Criteria arguments of the backend and DualSparse switches, checked here (switches that do
     * not go together are refused once, not in every executor).
     */
    static Map<String, Object> modelArguments(BackendOptions backend, DualSparseOptions dualSparse) {
        dualSparse.settings();
        Map<String, Object> arguments = new LinkedHashMap<>(backend.arguments());
        arguments.putAll(dualSparse.arguments());
        return arguments;
    }

    static Broadcast<ModelSpec> broadcast(SparkSession session, ModelSpec spec) {
        return JavaSparkContext.fromSparkContext(session.sparkContext()).broadcast(spec);
    }

    /** The job, where it ran, on what, and how long it took. */
    static Map<String, Object> header(String job, SparkSession session, Path model, Map<String, Object> arguments, Path written,
            double seconds) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("job", job);
        summary.put("master", session.sparkContext().master());
        summary.put("default_parallelism", session.sparkContext().defaultParallelism());
        summary.put("model", model.toAbsolutePath().normalize().toString());
        Map<String, Object> shown = new LinkedHashMap<>();
        arguments.forEach((key, value) -> shown.put(key, value instanceof Path ? value.toString() : value));
        summary.put("arguments", shown);
        summary.put("rows", written == null ? null : written.toString());
        summary.put("seconds", seconds);
        return summary;
    }

    /** The realised drop rates over every row, when DualSparse ran. */
    static void putDropRates(Map<String, Object> summary, double decision, double skippedWork) {
        if (!Double.isNaN(decision)) {
            summary.put("decision_drop_rate", decision);
            summary.put("skipped_work_rate", skippedWork);
        }
    }
}
