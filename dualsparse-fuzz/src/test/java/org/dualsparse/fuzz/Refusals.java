package org.dualsparse.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The property every fuzz target checks: reading either succeeds or fails with an exception type
 * that the reader documents, whose message names what was wrong. Any other throwable escapes to
 * the fuzzer as a finding.
 */
final class Refusals {

    private Refusals() {}

    /** Runs {@code read}, accepting only one of {@code refusals} whose message names {@code file}. */
    @SafeVarargs
    static void onlyTyped(Path file, Runnable read, Class<? extends RuntimeException>... refusals) {
        onlyTyped(file.getFileName().toString(), read, refusals);
    }

    /** Runs {@code read}, accepting only one of {@code refusals} whose message contains {@code named}. */
    @SafeVarargs
    static void onlyTyped(String named, Runnable read, Class<? extends RuntimeException>... refusals) {
        try {
            read.run();
        } catch (RuntimeException e) {
            if (Arrays.stream(refusals).noneMatch(type -> type.isInstance(e))) {
                throw e;
            }
            String message = String.valueOf(e.getMessage());
            assertTrue(message.contains(named), () -> "the refusal does not name " + named + ": " + message);
        }
    }
}
