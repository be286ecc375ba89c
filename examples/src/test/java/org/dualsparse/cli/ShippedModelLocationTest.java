package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the CLI looks for the shipped model when given no --model. */
class ShippedModelLocationTest {

    @Test
    void theJarsCloneComesFirstWhereverTheCliIsStarted(@TempDir Path root) throws IOException {
        Path clone = clone(root.resolve("clone"));
        Path other = clone(root.resolve("other"));
        Path jarFolder = clone.resolve("examples").resolve("target");
        Path elsewhere = Files.createDirectories(root.resolve("work"));
        assertEquals(clone.resolve(ShippedModel.DIR), ShippedModel.locate(jarFolder, elsewhere));
        assertEquals(clone.resolve(ShippedModel.DIR), ShippedModel.locate(jarFolder, other.resolve("examples")));
    }

    @Test
    void withoutTheJarsCloneTheWorkingDirectoryAndItsParentsAreSearched(@TempDir Path root) throws IOException {
        Path clone = clone(root.resolve("clone"));
        Path jarFolder = Files.createDirectories(root.resolve("opt").resolve("lib"));
        Path deep = Files.createDirectories(clone.resolve("docs").resolve("figures"));
        assertEquals(clone.resolve(ShippedModel.DIR), ShippedModel.locate(jarFolder, deep));
        assertEquals(clone.resolve(ShippedModel.DIR), ShippedModel.locate(null, clone));
    }

    @Test
    void theErrorNamesEveryPlaceLookedAndTheOption(@TempDir Path root) throws IOException {
        Path jarFolder = Files.createDirectories(root.resolve("opt").resolve("lib"));
        Path work = Files.createDirectories(root.resolve("work"));
        ShippedModelNotFoundException e = assertThrows(ShippedModelNotFoundException.class,
                () -> ShippedModel.locate(jarFolder, work));
        for (Path place : new Path[] {jarFolder, jarFolder.getParent(), root, work}) {
            assertTrue(e.looked().contains(place.resolve(ShippedModel.DIR)), place + " in " + e.looked());
            assertTrue(e.getMessage().contains(place.resolve(ShippedModel.DIR).toString()), e.getMessage());
        }
        assertEquals(e.looked().size(), e.looked().stream().distinct().count(), "each place once");
        assertTrue(e.getMessage().contains("--model DIR"), e.getMessage());
    }

    private static Path clone(Path dir) throws IOException {
        Path model = Files.createDirectories(dir.resolve(ShippedModel.DIR));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.createDirectories(dir.resolve("examples").resolve("target"));
        return dir;
    }
}
