package org.dualsparse.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two loads of one checkpoint and format in one process (two threads, two Spark tasks of one
 * executor) write the same cache at once: each writes its own temporary file, both finish, and
 * the cache that takes the name reads back whole.
 */
class ConcurrentCacheWriteTest {

    private static final byte[] FIRST = {1, 2, 3, 4, 5};
    private static final byte[] SECOND = {6, 7, 8};

    @TempDir
    Path dir;

    @Test
    void twoWritersInOneProcessBothFinishAndTheCacheReadsBackWhole() throws Exception {
        Path file = dir.resolve("int4.dspk");
        try (WeightCache a = WeightCache.open(file, "fingerprint");
                WeightCache b = WeightCache.open(file, "fingerprint")) {
            a.add(2, 3, 10, FIRST);
            b.add(2, 3, 10, FIRST);
            a.add(4, 5, 20, SECOND);
            a.finish();
            b.add(4, 5, 20, SECOND);
            b.finish();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
        try (WeightCache read = WeightCache.open(file, "fingerprint")) {
            assertTrue(read.reading());
            assertArrayEquals(FIRST, bytes(read.next(2, 3)));
            assertArrayEquals(SECOND, bytes(read.next(4, 5)));
            read.finish();
        }
    }

    private static byte[] bytes(WeightCache.Entry entry) {
        ByteBuffer model = entry.model().duplicate();
        byte[] bytes = new byte[model.remaining()];
        model.get(bytes);
        return bytes;
    }
}
