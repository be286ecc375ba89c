package org.dualsparse.dualsparse.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.CheckpointException;

/**
 * Fills a folder under a hidden sibling name and moves it into place only when complete, so a
 * failed write leaves nothing at the target.
 */
final class StagedDirectory {

    /** Writes the files of the folder being staged. */
    @FunctionalInterface
    interface Content {
        void writeTo(Path staging) throws IOException;
    }

    private StagedDirectory() {}

    /**
     * Writes {@code content} into a new folder that then takes the place of {@code target},
     * which must be absent or an empty folder.
     *
     * @throws CheckpointException if a file cannot be written or the folder cannot be moved
     */
    static void write(Path target, Content content) {
        Path staging = target.resolveSibling("." + target.getFileName() + ".partial-" + UUID.randomUUID());
        try {
            Files.createDirectories(target.getParent());
            Files.createDirectory(staging);
            content.writeTo(staging);
            // Replaces an empty folder only: if anything appeared in it meanwhile, the move fails.
            Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteAfterFailure(staging, e);
            throw new CheckpointException(target, "cannot write: " + e, e);
        } catch (RuntimeException e) {
            deleteAfterFailure(staging, e);
            throw e;
        }
    }

    private static void deleteAfterFailure(Path staging, Exception failure) {
        if (!Files.exists(staging)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(staging)) {
            List<Path> deepestFirst = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path path : deepestFirst) {
                Files.delete(path);
            }
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }
}
