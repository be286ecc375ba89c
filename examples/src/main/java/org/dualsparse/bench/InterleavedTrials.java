package org.dualsparse.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Timed tasks run in turn, round after round, so that drift on a shared machine (another
 * process, frequency, page cache) hits every task alike instead of whichever ran last. Round
 * {@code r} starts at task {@code r mod tasks}, so no task always follows the same one.
 */
final class InterleavedTrials {

    private InterleavedTrials() {}

    /**
     * Runs {@code warmUp} untimed rounds, then {@code repeats} timed ones.
     *
     * @param tasks each runs once and returns its own time in ms
     * @return {@code [task][repeat]} times in ms
     */
    static double[][] run(List<DoubleSupplier> tasks, int warmUp, int repeats) {
        List<Supplier<Double>> boxed = new ArrayList<>();
        for (DoubleSupplier task : tasks) {
            boxed.add(task::getAsDouble);
        }
        List<List<Double>> results = rounds(boxed, warmUp, repeats);
        double[][] ms = new double[tasks.size()][];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = results.get(i).stream().mapToDouble(Double::doubleValue).toArray();
        }
        return ms;
    }

    /**
     * Runs {@code warmUp} untimed rounds, then {@code repeats} timed ones.
     *
     * @param tasks each runs once and returns what it measured
     * @return per task, the results of the timed rounds in order
     */
    static <T> List<List<T>> rounds(List<? extends Supplier<T>> tasks, int warmUp, int repeats) {
        int count = tasks.size();
        List<List<T>> results = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            results.add(new ArrayList<>(repeats));
        }
        for (int round = 0; round < warmUp + repeats; round++) {
            for (int i = 0; i < count; i++) {
                int task = (round + i) % count;
                T result = tasks.get(task).get();
                if (round >= warmUp) {
                    results.get(task).add(result);
                }
            }
        }
        return results;
    }
}
