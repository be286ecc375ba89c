package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.dualsparse.files.AtomicFile;

/** Writes a Spark job's {@code summary.json} and prints it. */
final class SparkSummary {

    private SparkSummary() {}

    /** Writes {@code summary} to {@code out/summary.json} and prints it. */
    static void write(Path out, Map<String, Object> summary) {
        String json = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create()
                .toJson(summary);
        try {
            AtomicFile.writeString(out.resolve("summary.json"), json + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve("summary.json"), e);
        }
        System.out.println(json);
    }

    /** The exit code: 0 when every row succeeded, 1 when some failed (their rows say why). */
    static int exitCode(long failed, long rows, Path written) {
        if (failed == 0) {
            return 0;
        }
        System.err.printf("%d of %d rows failed: see their error column in %s%n", failed, rows, written);
        return 1;
    }
}
