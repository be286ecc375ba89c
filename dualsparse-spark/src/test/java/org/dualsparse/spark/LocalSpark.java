package org.dualsparse.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.eval.TextDocuments;

/** One {@code local[2]} Spark session for the module's tests, and the shipped model's data. */
final class LocalSpark {

    static final Path MODEL = Path.of("..", "models", "kjv-moe").toAbsolutePath().normalize();
    static final Path HELDOUT = MODEL.resolve("eval").resolve("heldout.txt");

    private static SparkSession session;

    private LocalSpark() {}

    static synchronized SparkSession session() {
        if (session == null || session.sparkContext().isStopped()) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("dualsparse-spark-test")
                    .config("spark.ui.enabled", false)
                    .config("spark.sql.shuffle.partitions", 4)
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }

    /** Stops the shared session, for a test that needs a Spark context of its own (one per JVM). */
    static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }

    static Broadcast<ModelSpec> broadcast(ModelSpec spec) {
        return broadcast(session(), spec);
    }

    static Broadcast<ModelSpec> broadcast(SparkSession spark, ModelSpec spec) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(spec);
    }

    /** The first {@code count} held-out chapters, written as a text file of their own. */
    static Path heldoutChapters(Path dir, int count) throws IOException {
        List<String> chapters = TextDocuments.read(HELDOUT).subList(0, count);
        Path file = dir.resolve("chapters.txt");
        Files.writeString(file, String.join("\n\n", chapters) + "\n");
        return file;
    }
}
