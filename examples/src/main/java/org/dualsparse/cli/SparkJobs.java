package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.spark.ModelSpec;

/** What the {@code spark} commands share: the broadcast model and the head of their summaries. */
final class SparkJobs {

    private SparkJobs() {}

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
