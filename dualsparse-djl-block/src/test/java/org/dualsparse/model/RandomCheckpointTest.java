package org.dualsparse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A written random checkpoint loads back into the model it was drawn from. */
class RandomCheckpointTest {

    static Stream<String> tinyPresets() {
        return Presets.names().stream().filter(name -> name.endsWith("-tiny"));
    }

    @ParameterizedTest
    @MethodSource("tinyPresets")
    void writtenCheckpointLoadsAsTheSameModel(String preset, @TempDir Path dir) {
        RandomCheckpoint.write(Presets.load(preset, 0), dir, 3, DType.F32);
        long[] ids = {1, 2, 3, 4};
        try (MoeLanguageModel written = MoeLanguageModel.load(dir);
                MoeLanguageModel inMemory = MoeLanguageModel.random(Presets.load(preset, 0), 3)) {
            assertArrayEquals(inMemory.lastLogits(ids), written.lastLogits(ids), 1e-5f);
        }
    }
}
