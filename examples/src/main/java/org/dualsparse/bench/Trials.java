package org.dualsparse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Repeated runs of a benchmark trial, the first ones untimed. */
final class Trials {

    private Trials() {}

    /** Runs {@code trial} {@code warmUp} times and discards the results, then {@code repeats} times and returns those. */
    static <T> List<T> run(int warmUp, int repeats, Supplier<T> trial) {
        for (int i = 0; i < warmUp; i++) {
            trial.get();
        }
        List<T> results = new ArrayList<>(repeats);
        for (int i = 0; i < repeats; i++) {
            results.add(trial.get());
        }
        return results;
    }

    /** Milliseconds since {@code startNanos}, a {@link System#nanoTime()} reading. */
    static double msSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
