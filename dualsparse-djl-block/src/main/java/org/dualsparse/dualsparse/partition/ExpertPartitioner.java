package org.dualsparse.dualsparse.partition;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.nio.FloatBuffer;
import org.dualsparse.moe.ExpertWeights;

/**
 * Rewrites a layer's experts once so that every sub-expert is a contiguous slice. After an
 * optional neuron permutation, the {@code I} neurons of an expert are split into {@code P} equal
 * parts; the fused gate/up matrix is laid out part by part ({@code [gate_0; up_0; gate_1; up_1;
 * …]}, each {@code I/P} rows) and the down matrix's columns follow the same neuron order: the
 * {@link PartitionedExperts} layout. Any prefix of parts is then one row range of gate/up and one
 * column range of down.
 */
public final class ExpertPartitioner {

    private ExpertPartitioner() {}

    /**
     * The partitioned copy of {@code experts}, owned by {@code manager}.
     *
     * @param order neuron permutation per expert, or null to keep the checkpoint's order
     */
    public static PartitionedExperts partition(ExpertWeights experts, int layer, Partition partition, NeuronOrder order,
            NDManager manager) {
        int neurons = experts.intermediateSize();
        int parts = partition.parts();
        if (neurons % parts != 0) {
            throw new IllegalArgumentException(
                    "cannot split " + neurons + " neurons into " + parts + " equal sub-experts (layer " + layer + ")");
        }
        int part = neurons / parts;
        NDArray[] laidOut = experts.withStacks(manager, (stackedGateUp, stackedDown) -> {
            // Filled expert by expert so that the rewrite needs one expert of scratch, not a layer's.
            NDArray gateUp = manager.create(stackedGateUp.getShape(), stackedGateUp.getDataType());
            NDArray down = manager.create(stackedDown.getShape(), stackedDown.getDataType());
            try {
                for (int e = 0; e < experts.numExperts(); e++) {
                    try (NDManager scratch = manager.newSubManager()) {
                        NDArray index = scratch.create(permutation(order, layer, e, neurons));
                        NDArray expertGateUp = stackedGateUp.get(scratch, new NDIndex(e));
                        NDArray gate = expertGateUp.get(new NDIndex("0:{}", neurons)).get(index);
                        NDArray up = expertGateUp.get(new NDIndex("{}:", neurons)).get(index);
                        NDList pieces = new NDList();
                        for (int p = 0; p < parts; p++) {
                            pieces.add(gate.get(new NDIndex("{}:{}", p * part, (p + 1) * part)));
                            pieces.add(up.get(new NDIndex("{}:{}", p * part, (p + 1) * part)));
                        }
                        gateUp.set(new NDIndex(e), NDArrays.concat(pieces, 0));
                        down.set(new NDIndex(e), stackedDown.get(scratch, new NDIndex(e)).get(new NDIndex(":, {}", index)));
                    }
                }
            } catch (RuntimeException e) {
                gateUp.close();
                down.close();
                throw e;
            }
            return new NDArray[] {gateUp, down};
        });
        return new PartitionedExperts(laidOut[0], laidOut[1], partition, experts.backend());
    }

    /** The {@code weight} importance of every neuron of every expert, as {@link #weightImportance(FloatBuffer, FloatBuffer, FloatBuffer, int)}. */
    public static float[][] weightImportance(ExpertWeights experts, NDManager manager) {
        int weightsPerProjection = experts.intermediateSize() * experts.hiddenSize();
        return experts.withStacks(manager, (stackedGateUp, stackedDown) -> {
            float[][] importance = new float[experts.numExperts()][];
            for (int e = 0; e < importance.length; e++) {
                try (NDManager scratch = manager.newSubManager()) {
                    float[] gateUp = stackedGateUp.get(scratch, new NDIndex(e)).toFloatArray();
                    importance[e] = weightImportance(
                            FloatBuffer.wrap(gateUp, 0, weightsPerProjection).slice(),
                            FloatBuffer.wrap(gateUp, weightsPerProjection, weightsPerProjection).slice(),
                            FloatBuffer.wrap(stackedDown.get(scratch, new NDIndex(e)).toFloatArray()),
                            experts.hiddenSize());
                }
            }
            return importance;
        });
    }

    /**
     * The {@code weight} importance of each neuron n of one expert, ‖W1ⁿ‖ · ‖W3ⁿ‖ · ‖W2 column
     * n‖, from the row-major weights gate (W1) and up (W3) {@code [I, d]} and down (W2) {@code
     * [d, I]}, read from index 0.
     */
    public static float[] weightImportance(FloatBuffer gate, FloatBuffer up, FloatBuffer down, int hidden) {
        int neurons = gate.limit() / hidden;
        double[] gateNorms = rowNormsSquared(gate, neurons, hidden);
        double[] upNorms = rowNormsSquared(up, neurons, hidden);
        double[] downNorms = new double[neurons];
        for (int i = 0; i < hidden; i++) {
            for (int n = 0; n < neurons; n++) {
                double w = down.get(i * neurons + n);
                downNorms[n] += w * w;
            }
        }
        float[] importance = new float[neurons];
        for (int n = 0; n < neurons; n++) {
            importance[n] = (float) Math.sqrt(gateNorms[n] * upNorms[n] * downNorms[n]);
        }
        return importance;
    }

    private static double[] rowNormsSquared(FloatBuffer matrix, int rows, int columns) {
        double[] norms = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double w = matrix.get(r * columns + c);
                norms[r] += w * w;
            }
        }
        return norms;
    }

    /**
     * The neuron permutation of {@code expert} in {@code layer}: {@code order}'s, checked to be a
     * permutation of {@code neurons}, or the identity when {@code order} is null.
     */
    public static int[] permutation(NeuronOrder order, int layer, int expert, int neurons) {
        return order == null ? identity(neurons) : checked(order.permutation(layer, expert), neurons, layer, expert);
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    private static int[] checked(int[] permutation, int neurons, int layer, int expert) {
        boolean[] seen = new boolean[neurons];
        if (permutation.length != neurons) {
            throw new IllegalArgumentException("neuron order of layer " + layer + " expert " + expert + " has "
                    + permutation.length + " entries for " + neurons + " neurons");
        }
        for (int i : permutation) {
            if (i < 0 || i >= neurons || seen[i]) {
                throw new IllegalArgumentException(
                        "neuron order of layer " + layer + " expert " + expert + " is not a permutation (entry " + i + ")");
            }
            seen[i] = true;
        }
        return permutation;
    }
}
