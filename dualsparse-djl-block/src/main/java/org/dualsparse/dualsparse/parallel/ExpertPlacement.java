package org.dualsparse.dualsparse.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Which of {@code D} simulated devices hold each expert of one MoE layer (the paper's
 * expert-parallel setting, README "Expert parallelism (simulated)"). Every expert has a home device; {@link #withReplicas} adds copies of the hottest experts
 * (EPLB style), and a pair routed to an expert with several copies goes to the copy whose device
 * is least loaded so far in its batch.
 */
public final class ExpertPlacement {

    private final int devices;
    /** The devices holding a copy of each expert, home device first. */
    private final int[][] copies;

    private ExpertPlacement(int devices, int[][] copies) {
        this.devices = devices;
        this.copies = copies;
    }

    /** Experts {@code 0..E-1} in {@code D} equal runs: device {@code d} holds {@code [d·E/D, (d+1)·E/D)}. */
    public static ExpertPlacement contiguous(int experts, int devices) {
        checkShape(experts, devices);
        return of(devices, IntStream.range(0, experts).map(e -> (int) ((long) e * devices / experts)).toArray());
    }

    /** Expert {@code e} on device {@code e mod D}. */
    public static ExpertPlacement roundRobin(int experts, int devices) {
        checkShape(experts, devices);
        return of(devices, IntStream.range(0, experts).map(e -> e % devices).toArray());
    }

    /** Expert {@code e} on device {@code home[e]}, no replicas. */
    public static ExpertPlacement of(int devices, int[] home) {
        int[][] copies = new int[home.length][];
        for (int e = 0; e < home.length; e++) {
            if (home[e] < 0 || home[e] >= devices) {
                throw new IllegalArgumentException("expert " + e + " on device " + home[e] + ", outside [0, " + devices + ")");
            }
            copies[e] = new int[] {home[e]};
        }
        return new ExpertPlacement(devices, copies);
    }

    private static void checkShape(int experts, int devices) {
        if (devices < 1 || experts < devices) {
            throw new IllegalArgumentException("need 1 ≤ devices ≤ experts, got " + devices + " devices for " + experts + " experts");
        }
    }

    /**
     * This placement plus {@code slotsPerDevice} extra expert copies on every device, given to the
     * experts with the largest {@code expertLoads} (calibration or observed pair counts): each slot
     * in turn goes to the expert with the most load per copy, placed on the least loaded device
     * that has a free slot and no copy of it yet, assuming an expert's load splits evenly over its copies.
     */
    public ExpertPlacement withReplicas(long[] expertLoads, int slotsPerDevice) {
        if (expertLoads.length != copies.length) {
            throw new IllegalArgumentException(expertLoads.length + " expert loads for " + copies.length + " experts");
        }
        List<List<Integer>> next = new ArrayList<>();
        for (int[] c : copies) {
            next.add(new ArrayList<>(Arrays.stream(c).boxed().toList()));
        }
        int[] free = new int[devices];
        Arrays.fill(free, slotsPerDevice);
        for (int slot = 0; slot < slotsPerDevice * devices; slot++) {
            double[] deviceLoad = deviceLoads(expertLoads, next);
            Integer[] hottest = IntStream.range(0, copies.length).boxed()
                    .sorted(Comparator.comparingDouble(e -> -(double) expertLoads[e] / next.get(e).size()))
                    .toArray(Integer[]::new);
            boolean placed = false;
            for (int e : hottest) {
                int target = -1;
                for (int d = 0; d < devices; d++) {
                    if (free[d] > 0 && !next.get(e).contains(d) && (target < 0 || deviceLoad[d] < deviceLoad[target])) {
                        target = d;
                    }
                }
                if (target >= 0) {
                    next.get(e).add(target);
                    free[target]--;
                    placed = true;
                    break;
                }
            }
            if (!placed) {
                break;
            }
        }
        return new ExpertPlacement(devices, next.stream().map(c -> c.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new));
    }

    private double[] deviceLoads(long[] expertLoads, List<List<Integer>> copiesOf) {
        double[] load = new double[devices];
        for (int e = 0; e < expertLoads.length; e++) {
            for (int d : copiesOf.get(e)) {
                load[d] += (double) expertLoads[e] / copiesOf.get(e).size();
            }
        }
        return load;
    }

    public int devices() {
        return devices;
    }

    public int numExperts() {
        return copies.length;
    }

    /** The devices holding a copy of {@code expert}, home device first. */
    public int[] copies(int expert) {
        return copies[expert].clone();
    }

    /**
     * The device each pair of a batch runs on, {@code experts} in {@link org.dualsparse.moe.Routing#experts()}'s
     * layout: an expert's home, or among several copies the one on the device with the fewest
     * pairs so far (the lowest device on ties).
     */
    public int[] assign(long[] experts) {
        int[] device = new int[experts.length];
        long[] pairs = new long[devices];
        for (int p = 0; p < experts.length; p++) {
            int[] options = copies[(int) experts[p]];
            int best = options[0];
            for (int d : options) {
                if (pairs[d] < pairs[best] || (pairs[d] == pairs[best] && d < best)) {
                    best = d;
                }
            }
            device[p] = best;
            pairs[best]++;
        }
        return device;
    }
}
