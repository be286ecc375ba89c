package org.dualsparse.dualsparse.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.function.BiConsumer;
import org.dualsparse.dualsparse.partition.PartitionedExperts;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.WeightMatrix;

/**
 * One expert of a {@link PartitionedExperts} layout and the ways {@link DualSparseMoeBlock} runs
 * it on its grouped rows, whole pairs first and major-only pairs after them: all whole, all
 * major-only, a mix in one masked whole pass, or a mix split into a major pass over every row and
 * a minor pass over the whole ones. Its whole, major and minor sub-experts are each a gate/up and
 * a down {@link WeightMatrix}, made once; on a backend that packs its weights there are no whole
 * matrices (they would hold the expert twice), and whatever runs whole runs as the two halves.
 */
final class PartitionedExpert {

    private final SubExperts whole;
    private final SubExperts major;
    private final SubExperts minor;

    PartitionedExpert(PartitionedExperts experts, int expert) {
        int partNeurons = experts.partNeurons();
        PartitionedExperts.Matrices all = experts.whole(expert);
        whole = all == null ? null : new SubExperts(all.gateUp(), all.down(), experts.parts(), partNeurons);
        PartitionedExperts.Matrices majors = experts.major(expert);
        major = new SubExperts(majors.gateUp(), majors.down(), experts.majorParts(), partNeurons);
        PartitionedExperts.Matrices minors = experts.minor(expert);
        minor = minors == null
                ? null
                : new SubExperts(minors.gateUp(), minors.down(), experts.parts() - experts.majorParts(), partNeurons);
    }

    /**
     * Every row whole.
     *
     * @param activations told the gate and up pre-activations {@code [n, I]} of the rows, or null
     */
    NDArray whole(NDArray rows, BiConsumer<NDArray, NDArray> activations) {
        if (whole != null) {
            return whole.swiGlu(rows, null, activations);
        }
        if (minor == null) {
            return major.swiGlu(rows, null, activations);
        }
        if (activations == null) {
            return major.swiGlu(rows, null, null).add(minor.swiGlu(rows, null, null));
        }
        // Without whole matrices the halves run apart; their activations, neurons in the same order, are joined.
        NDArray[] majorSeen = new NDArray[2];
        NDArray majorOut = major.swiGlu(rows, null, (gate, up) -> {
            majorSeen[0] = gate;
            majorSeen[1] = up;
        });
        NDArray minorOut = minor.swiGlu(rows, null, (gate, up) -> activations.accept(
                NDArrays.concat(new NDList(majorSeen[0], gate), 1), NDArrays.concat(new NDList(majorSeen[1], up), 1)));
        return majorOut.add(minorOut);
    }

    /** Every row major-only: the major sub-experts alone. */
    NDArray majorOnly(NDArray rows) {
        return major.swiGlu(rows, null, null);
    }

    /**
     * The first {@code full} rows whole and the rest major-only, in one whole pass whose minor
     * activations of the major-only rows are zeroed.
     */
    NDArray maskedWhole(NDArray rows, int full) {
        return whole == null ? split(rows, full) : whole.swiGlu(rows, minorMask(rows, full), null);
    }

    /**
     * The first {@code full} rows whole and the rest major-only, in two passes: the major
     * sub-experts over every row, the minor ones over the whole rows only, added to theirs.
     */
    NDArray split(NDArray rows, int full) {
        NDArray majorOut = major.swiGlu(rows, null, null);
        NDArray minorOut = minor.swiGlu(rows.get(new NDIndex("0:{}", full)), null, null);
        NDArray wholeRows = majorOut.get(new NDIndex("0:{}", full)).add(minorOut);
        return NDArrays.concat(new NDList(wholeRows, majorOut.get(new NDIndex("{}:", full))), 0);
    }

    /** {@code [P, 1, n]}: 1, but 0 for the minor sub-experts of the rows after the first {@code full}. */
    private NDArray minorMask(NDArray rows, int full) {
        int parts = whole.count();
        int majorParts = major.count();
        int n = Math.toIntExact(rows.getShape().get(0));
        float[] mask = new float[parts * n];
        for (int p = 0; p < parts; p++) {
            for (int row = 0; row < n; row++) {
                mask[p * n + row] = p < majorParts || row < full ? 1 : 0;
            }
        }
        return rows.getManager().create(mask, new Shape(parts, 1, n));
    }

    /**
     * {@code count} consecutive sub-experts of {@code partNeurons} neurons, gate/up laid out
     * {@code [gate_p; up_p]} each and down's columns in the same order.
     */
    private record SubExperts(WeightMatrix gateUp, WeightMatrix down, int count, int partNeurons) {

        /**
         * SwiGLU of {@code rows}, tokens as columns like {@link org.dualsparse.nn.SwiGluMlp#apply}.
         *
         * @param mask multiplies the {@code [count, partNeurons, n]} activations, or null
         * @param activations told the gate and up pre-activations {@code [n, count·partNeurons]}, or null
         */
        NDArray swiGlu(NDArray rows, NDArray mask, BiConsumer<NDArray, NDArray> activations) {
            long n = rows.getShape().get(0);
            long neurons = (long) count * partNeurons;
            NDArray h = gateUp.timesTransposed(rows).reshape(count, 2, partNeurons, n);
            NDArray gate = h.get(new NDIndex(":, 0"));
            NDArray up = h.get(new NDIndex(":, 1"));
            if (activations != null) {
                activations.accept(gate.reshape(neurons, n).transpose(), up.reshape(neurons, n).transpose());
            }
            NDArray product = Scalars.silu(gate).mul(up);
            if (mask != null) {
                product = product.mul(mask);
            }
            return down.times(product.reshape(neurons, n)).transpose();
        }
    }
}
