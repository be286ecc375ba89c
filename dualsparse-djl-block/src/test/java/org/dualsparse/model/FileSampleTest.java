package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where no inode change time can be read, a sample of the content tells two same-sized checkpoint files apart. */
class FileSampleTest {

    @TempDir
    Path dir;

    @Test
    void sameSizedFilesOfOtherBytesDifferAndCopiesAgree() throws IOException {
        Path original = write("original", 1, 5 << 20);
        Path copy = Files.copy(original, dir.resolve("copy"));
        Path fineTuned = write("fine-tuned", 2, 5 << 20);
        assertEquals(FileSample.sha256(original), FileSample.sha256(copy));
        assertNotEquals(FileSample.sha256(original), FileSample.sha256(fineTuned));
    }

    @Test
    void aChangePastTheHeadIsSeenWhereASampleFalls() throws IOException {
        Path original = write("original", 1, 3 << 20);
        byte[] bytes = Files.readAllBytes(original);
        bytes[bytes.length - 1] ^= 1;
        Path changed = Files.write(dir.resolve("changed"), bytes);
        assertNotEquals(FileSample.sha256(original), FileSample.sha256(changed), "the last sample ends at the file's end");
    }

    @Test
    void aFileShorterThanTheHeadIsHashedWhole() throws IOException {
        Path small = Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64}");
        Path other = Files.writeString(dir.resolve("other.json"), "{\"hidden_size\": 65}");
        assertNotEquals(FileSample.sha256(small), FileSample.sha256(other));
    }

    private Path write(String name, long seed, int size) throws IOException {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return Files.write(dir.resolve(name), bytes);
    }
}
