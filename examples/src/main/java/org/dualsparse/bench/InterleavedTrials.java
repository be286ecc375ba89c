package org.dualsparse.bench;

import java.util.List;
import java.util.function.DoubleSupplier;

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
        int count = tasks.size();
        double[][] ms = new double[count][repeats];
        for (int round = 0; round < warmUp + repeats; round++) {
            for (int i = 0; i < count; i++) {
                int task = (round + i) % count;
                double time = tasks.get(task).getAsDouble();
                if (round >= warmUp) {
                    ms[task][round - warmUp] = time;
                }
            }
        }
        return ms;
    }
}
