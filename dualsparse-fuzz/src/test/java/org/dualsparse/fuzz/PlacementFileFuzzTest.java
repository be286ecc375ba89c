package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.dualsparse.dualsparse.parallel.PlacementException;
import org.dualsparse.dualsparse.parallel.PlacementFile;

/** An expert placement file of any bytes, for layers of 1 to 64 experts. */
class PlacementFileFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void readsOrRefusesThePlacement(FuzzedDataProvider data) {
        int experts = data.consumeInt(1, 64);
        Path file = Scratch.write(Scratch.folder("placement"), "placement.txt", data.consumeRemainingAsBytes());
        Refusals.onlyTyped(file, () -> {
            try {
                PlacementFile.read(file, experts);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, PlacementException.class);
    }
}
