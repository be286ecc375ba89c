package org.dualsparse.dualsparse.parallel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built-in placements, replicas, and placement files with their typed errors. */
class ExpertPlacementTest {

    @TempDir
    Path dir;

    @Test
    void contiguousAndRoundRobinSplitExpertsEvenly() {
        ExpertPlacement contiguous = ExpertPlacement.contiguous(8, 4);
        ExpertPlacement roundRobin = ExpertPlacement.roundRobin(8, 4);
        for (int e = 0; e < 8; e++) {
            assertArrayEquals(new int[] {e / 2}, contiguous.copies(e));
            assertArrayEquals(new int[] {e % 4}, roundRobin.copies(e));
        }
    }

    @Test
    void replicasGoToTheHottestExpertOnTheLeastLoadedDevice() {
        ExpertPlacement placement = ExpertPlacement.contiguous(4, 2).withReplicas(new long[] {100, 10, 10, 10}, 1);
        assertArrayEquals(new int[] {0, 1}, placement.copies(0), "the hot expert gets a copy on device 1");
        // Device 0's slot goes to the hottest expert not on it yet: 2 and 3 tie, the lower wins.
        assertArrayEquals(new int[] {1, 0}, placement.copies(2));
        assertArrayEquals(new int[] {1}, placement.copies(3));

        int[] devices = placement.assign(new long[] {0, 0, 0, 0});
        assertArrayEquals(new int[] {0, 1, 0, 1}, devices, "pairs of a replicated expert alternate over its copies");
    }

    @Test
    void filePlacesEveryLayerAndOverridesSome() throws IOException {
        Path file = write("# two devices", "devices 2", "0 1", "1 1", "2 0", "3 0", "layer 5", "0 0", "1 0", "2 1", "3 1");
        PlacementPlan plan = PlacementFile.read(file, 4);
        assertArrayEquals(new int[] {1}, plan.layer(0).copies(0));
        assertArrayEquals(new int[] {0}, plan.layer(5).copies(0));
        assertEquals(2, plan.layer(3).devices());
    }

    @Test
    void badFilesAreTypedErrorsNamingFileLineAndValue() throws IOException {
        assertError("3: device 2 out of range", "devices 2", "0 0", "1 2");
        assertError("3: unknown expert 7", "devices 2", "0 0", "7 1");
        assertError("2: 'x' is not a whole number", "devices 2", "x 1");
        assertError("2: expected '<expert> <device>'", "devices 2", "0 1 2");
        assertError("1: the block starting here places 3 experts, the model has 4", "devices 2", "0 0", "1 0", "2 1");
        assertError("3: expert 0 is placed twice", "devices 2", "0 0", "0 1");
        assertError("1: expected 'devices D' first", "0 0");
    }

    private void assertError(String expected, String... lines) throws IOException {
        Path file = write(lines);
        PlacementException e = assertThrows(PlacementException.class, () -> PlacementFile.read(file, 4));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(":" + expected), e.getMessage());
    }

    private Path write(String... lines) throws IOException {
        Path file = Files.createTempFile(dir, "placement", ".txt");
        return Files.write(file, String.join("\n", lines).getBytes());
    }
}
