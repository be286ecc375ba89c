package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.dualsparse.model.Presets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without the pytorch-native-cpu artifact, the error names the artifacts to add instead of downloading. */
class MissingNativeLibraryTest {

    @Test
    void errorNamesTheMissingArtifact(@TempDir Path emptyCache, @TempDir Path model) throws IOException, InterruptedException {
        Files.writeString(model.resolve("config.json"), Presets.load("mixtral-tiny", 1).json().toString());
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("pytorch-native-cpu"))
                .collect(Collectors.joining(File.pathSeparator));
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", classPath, DualSparseCli.class.getName(),
                        "logits", "--model", model.toString(), "--ids", "1")
                .redirectErrorStream(true);
        builder.environment().put("DJL_CACHE_DIR", emptyCache.toString());
        builder.environment().remove("PYTORCH_LIBRARY_PATH");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, process.waitFor(), output);
        assertTrue(output.contains("ai.djl.pytorch:pytorch-native-cpu:2.7.1"), output);
    }
}
