package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench soak} for a few seconds on the shipped model: two threads per shared model copy, every answer checked. */
// Checks concurrency and bookkeeping, not numbers: .ci/run runs it once, not again under each libtorch kernel family.
@Tag("kernel-insensitive")
class BenchSoakCommandTest {

    @TempDir
    Path dir;

    @Test
    void threadsSharingModelCopiesGiveTheSerialAnswersAndSampleMemory() throws IOException {
        Path csv = dir.resolve("soak.csv");
        CliRun run = CliRun.of("bench", "soak", "--minutes", "0.1", "--sample-seconds", "2", "--threads", "4",
                "--methods", "none,2t", "--csv", csv.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("4 threads over 2 model copies (none, 2t)"), run.out());
        assertTrue(run.out().contains(" 0 mismatches against the serial runs, 0 errors"), run.out());
        assertTrue(run.out().contains("NDArrays alive in the model managers: "), run.out());
        List<String> rows = Files.readAllLines(csv);
        assertEquals("seconds,generations,tokens,mismatches,errors,arrays,rss_mb,native_mb,heap_mb", rows.get(0));
        assertTrue(rows.size() >= 3, "a sample every 2 s over 6 s: " + rows);
        String[] lastRow = rows.get(rows.size() - 1).split(",");
        assertTrue(Long.parseLong(lastRow[1]) > 4, "generations while sampling: " + rows);
        assertTrue(Double.parseDouble(lastRow[6]) > 0, "RSS: " + rows);
    }
}
