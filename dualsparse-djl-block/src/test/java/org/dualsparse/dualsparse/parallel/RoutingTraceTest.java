package org.dualsparse.dualsparse.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad routing trace is a {@link TraceException} naming file and line, decided before its arrays are sized. */
class RoutingTraceTest {

    @TempDir
    Path dir;

    @Test
    void aBatchClaimingMoreTokensThanTheFileHoldsIsRefusedWithoutAllocatingThem() throws IOException {
        assertRefused("routing.trace:4: batch of layer 0 ends after 1 of 2000000000 tokens",
                "dualsparse-routing-trace 1\nbatch 0 2000000000 2000000000\n1 0.5\n");
    }

    @Test
    void aLineWithFewerFieldsThanKIsRefusedBeforeItsArraysAreSized() throws IOException {
        assertRefused("routing.trace:3: expected 1000000000 expert ids and 1000000000 gate weights, got '1 0.5'",
                "dualsparse-routing-trace 1\nbatch 0 1 1000000000\n1 0.5\n");
    }

    @Test
    void bytesThatAreNotUtf8AreRefused() throws IOException {
        Path file = Files.write(dir.resolve("routing.trace"), new byte[] {'d', (byte) 0xff, '\n'});
        TraceException e = assertThrows(TraceException.class, () -> RoutingTrace.read(file));
        assertEquals(file + ":1: is not UTF-8 text", e.getMessage());
    }

    @Test
    void aGateWeightThatIsNotFiniteIsRefused() throws IOException {
        assertRefused("routing.trace:3: gate weight 'NaN' is not finite", "dualsparse-routing-trace 1\nbatch 0 1 1\n1 NaN\n");
    }

    private void assertRefused(String message, String text) throws IOException {
        Path file = Files.writeString(dir.resolve("routing.trace"), text, StandardCharsets.UTF_8);
        TraceException e = assertThrows(TraceException.class, () -> RoutingTrace.read(file));
        assertEquals(dir + "/" + message, e.getMessage());
    }
}
