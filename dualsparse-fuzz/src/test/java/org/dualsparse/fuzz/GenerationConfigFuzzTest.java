package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.GenerationConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.Presets;

/** A {@code generation_config.json} of any bytes beside a valid model config. */
class GenerationConfigFuzzTest {

    private static final HfConfig MODEL = Presets.load("olmoe-tiny", 1);

    @FuzzTest(maxDuration = "5s")
    void parsesOrRefusesTheConfig(byte[] bytes) {
        Path dir = Scratch.folder("generation");
        Path file = Scratch.write(dir, "generation_config.json", bytes);
        Refusals.onlyTyped(file, () -> GenerationConfig.read(dir, MODEL), ConfigException.class);
    }
}
