package org.dualsparse.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The small MoE model that ships in the repository; commands use it when given no {@code --model}.
 * It is looked for in {@code models/kjv-moe} under the folder of the CLI's jar (or classes) and
 * each folder above it, then under the working directory and each folder above it, so the CLI
 * finds it from anywhere in a clone and wherever the clone's jar is started.
 */
final class ShippedModel {

    static final Path DIR = Path.of("models", "kjv-moe");

    /** The description suffix of every {@code --model} option that falls back to the shipped model. */
    static final String DEFAULT = " Default: the shipped model models/kjv-moe, looked for upward from the jar's folder"
            + " and from the working directory.";

    private ShippedModel() {}

    /** {@code model}, or the shipped model's folder when {@code model} is null. */
    static Path orDefault(Path model) {
        return model != null ? model : locate(codeFolder(), Path.of("").toAbsolutePath());
    }

    /**
     * The first {@link #DIR} holding a {@code config.json} under {@code codeFolder} or a folder
     * above it, then under {@code workingDir} or a folder above it.
     *
     * @param codeFolder the folder of the CLI's jar or classes, or null when unknown
     * @throws ShippedModelNotFoundException naming every place looked in
     */
    static Path locate(Path codeFolder, Path workingDir) {
        List<Path> looked = new ArrayList<>();
        for (Path start : codeFolder == null ? List.of(workingDir) : List.of(codeFolder, workingDir)) {
            for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(DIR);
                if (looked.contains(candidate)) {
                    continue;
                }
                if (Files.isRegularFile(candidate.resolve("config.json"))) {
                    return candidate;
                }
                looked.add(candidate);
            }
        }
        throw new ShippedModelNotFoundException(looked);
    }

    /** The folder of the jar the CLI runs from (or of its classes); null when the JVM does not say. */
    private static Path codeFolder() {
        CodeSource source = ShippedModel.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            Path location = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(location) ? location.getParent() : location;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
