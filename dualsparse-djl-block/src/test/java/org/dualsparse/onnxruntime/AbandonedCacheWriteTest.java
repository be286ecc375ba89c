package org.dualsparse.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load killed while writing its weight cache leaves {@code NAME.writing-PID-N} (or, from
 * earlier versions, {@code NAME.writing-PID}); caches run to gigabytes, so the next writer deletes
 * those of processes that no longer run, and only those.
 */
class AbandonedCacheWriteTest {

    @TempDir
    Path dir;

    @Test
    void theNextWriterDeletesWhatDeadWritersLeft() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        Path abandoned = Files.writeString(dir.resolve("int4.dspk.writing-" + finished.pid() + "-2"), "half a cache");
        Path abandonedByAnEarlierVersion = Files.writeString(dir.resolve("int4.dspk.writing-" + finished.pid()), "half a cache");
        long running = ProcessHandle.current().parent().orElseThrow().pid();
        Path inProgress = Files.writeString(dir.resolve("int4.dspk.writing-" + running + "-1"), "being written");
        Path otherCache = Files.writeString(dir.resolve("int8.dspk.writing-" + finished.pid()), "another cache's");
        try (WeightCache cache = WeightCache.open(dir.resolve("int4.dspk"), "fingerprint")) {
            assertFalse(cache.reading());
        }
        assertFalse(Files.exists(abandoned), "left by a process that no longer runs");
        assertFalse(Files.exists(abandonedByAnEarlierVersion), "left by a process that no longer runs");
        assertTrue(Files.exists(inProgress), "a running process's write is its own");
        assertTrue(Files.exists(otherCache), "another cache file's writes are not this writer's to judge");
        assertFalse(Files.exists(dir.resolve("int4.dspk")), "an unfinished write never takes the cache's name");
    }
}
