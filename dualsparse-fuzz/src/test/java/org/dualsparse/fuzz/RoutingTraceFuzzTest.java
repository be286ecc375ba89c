package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.dualsparse.dualsparse.parallel.RoutingTrace;
import org.dualsparse.dualsparse.parallel.TraceException;

/** A routing trace of any bytes. */
class RoutingTraceFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void readsOrRefusesTheTrace(byte[] bytes) {
        Path file = Scratch.write(Scratch.folder("trace"), "routing.trace", bytes);
        Refusals.onlyTyped(file, () -> {
            try {
                RoutingTrace.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, TraceException.class);
    }
}
