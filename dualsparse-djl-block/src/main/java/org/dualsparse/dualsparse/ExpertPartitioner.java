package org.dualsparse.dualsparse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.dualsparse.moe.ExpertWeights;

/**
 * Rewrites a layer's experts once so that every sub-expert is a contiguous slice. After an
 * optional neuron permutation, the {@code I} neurons of an expert are split into {@code P} equal
 * parts; the fused gate/up matrix is laid out part by part ({@code [gate_0; up_0; gate_1; up_1;
 * …]}, each {@code I/P} rows) and the down matrix's columns follow the same neuron order. Any
 * prefix of parts is then one row range of gate/up and one column range of down.
 */
public final class ExpertPartitioner {

    private ExpertPartitioner() {}

    /**
     * The partitioned copy of {@code experts}, owned by {@code manager}.
     *
     * @param order neuron permutation per expert, or null to keep the checkpoint's order
     */
    public static ExpertWeights partition(ExpertWeights experts, int layer, int parts, NeuronOrder order, NDManager manager) {
        int neurons = experts.intermediateSize();
        if (parts < 1 || neurons % parts != 0) {
            throw new IllegalArgumentException(
                    "cannot split " + neurons + " neurons into " + parts + " equal sub-experts (layer " + layer + ")");
        }
        int part = neurons / parts;
        try (NDManager scratch = manager.newSubManager()) {
            NDList gateUps = new NDList();
            NDList downs = new NDList();
            for (int e = 0; e < experts.numExperts(); e++) {
                int[] permutation = order == null ? identity(neurons) : checked(order.permutation(layer, e), neurons, layer, e);
                NDArray index = scratch.create(permutation);
                NDArray gateUp = experts.gateUp(e).get(scratch, new NDIndex("..."));
                NDArray gate = gateUp.get(new NDIndex("0:{}", neurons)).get(index);
                NDArray up = gateUp.get(new NDIndex("{}:", neurons)).get(index);
                NDList pieces = new NDList();
                for (int p = 0; p < parts; p++) {
                    pieces.add(gate.get(new NDIndex("{}:{}", p * part, (p + 1) * part)));
                    pieces.add(up.get(new NDIndex("{}:{}", p * part, (p + 1) * part)));
                }
                gateUps.add(NDArrays.concat(pieces, 0));
                downs.add(experts.down(e).get(scratch, new NDIndex("...")).get(new NDIndex(":, {}", index)));
            }
            NDArray gateUp = NDArrays.stack(gateUps);
            NDArray down = NDArrays.stack(downs);
            gateUp.attach(manager);
            down.attach(manager);
            return new ExpertWeights(gateUp, down);
        }
    }

    /** The {@code weight} importance of every neuron: ‖W1ⁿ‖ · ‖W3ⁿ‖ · ‖W2 column n‖, per expert. */
    public static float[][] weightImportance(ExpertWeights experts) {
        int neurons = experts.intermediateSize();
        float[][] importance = new float[experts.numExperts()][];
        try (NDManager scratch = experts.stackedGateUp().getManager().newSubManager()) {
            NDArray gateUp = experts.stackedGateUp().get(scratch, new NDIndex("..."));
            NDArray rowNorms = gateUp.square().sum(new int[] {2}).sqrt();
            NDArray gateNorms = rowNorms.get(new NDIndex(":, 0:{}", neurons));
            NDArray upNorms = rowNorms.get(new NDIndex(":, {}:", neurons));
            NDArray downNorms = experts.stackedDown().get(scratch, new NDIndex("...")).square().sum(new int[] {1}).sqrt();
            float[] flat = gateNorms.mul(upNorms).mul(downNorms).toFloatArray();
            for (int e = 0; e < importance.length; e++) {
                importance[e] = java.util.Arrays.copyOfRange(flat, e * neurons, (e + 1) * neurons);
            }
        }
        return importance;
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
