package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.dualsparse.config.ConfigException;
import org.dualsparse.config.GenerationConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.family.ModelRegistry;

/**
 * A {@code config.json} of any bytes, read as loading reads it: the JSON, the architecture it
 * names and every hyper-parameter its family parses, then the defaults generation takes from it.
 */
class ModelConfigFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void parsesOrRefusesTheConfig(byte[] bytes) {
        Path dir = Scratch.folder("config");
        Path file = Scratch.write(dir, "config.json", bytes);
        Refusals.onlyTyped(file, () -> {
            HfConfig config = HfConfig.read(file);
            ModelRegistry.forConfig(config).parseConfig(config);
            GenerationConfig.from(config);
        }, ConfigException.class);
    }
}
