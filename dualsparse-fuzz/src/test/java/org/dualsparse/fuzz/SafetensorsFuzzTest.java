package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.CheckpointException;

/** A {@code model.safetensors} of any bytes: its header, offsets and every tensor's data. */
class SafetensorsFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void loadsOrRefusesTheFile(byte[] bytes) {
        Path dir = Scratch.folder("single");
        Scratch.write(dir, "model.safetensors", bytes);
        Refusals.onlyTyped(dir, () -> {
            try (Checkpoint checkpoint = Checkpoint.open(dir)) {
                for (String name : checkpoint.names()) {
                    checkpoint.float32(name);
                }
            }
        }, CheckpointException.class);
    }
}
