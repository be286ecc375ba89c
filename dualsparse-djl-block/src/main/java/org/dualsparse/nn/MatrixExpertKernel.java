package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * An {@link ExpertKernel} over {@link WeightMatrix} products, for backends without a fused one:
 * gate/up, SiLU·up and down as separate calls. Its major and minor neurons are each a gate/up and a
 * down matrix, made once; where the backend reads the arrays in place (libtorch) there is also a
 * matrix over every neuron, so that whole rows run as one product and a mix of whole and
 * major-only rows below {@value #MIXED_SPLIT_ROWS} rows as one masked pass. A backend that packs
 * its weights holds no whole matrices (they would hold the expert twice): whole rows then run as
 * the two halves.
 */
public final class MatrixExpertKernel implements ExpertKernel {

    /**
     * Rows below which a mix of whole and major-only rows runs as one whole pass, the minor
     * activations of the major-only rows zeroed. With few rows an expert's GEMMs are bound by
     * reading its weights, which either way are read once, so one pass wins on calls and GEMM
     * size; from about 64 rows they are compute-bound ({@code bench kernels}: ~70% of the GEMM
     * peak) and skipping the minor neurons of major-only rows saves time.
     */
    public static final int MIXED_SPLIT_ROWS = 64;

    private final Neurons whole;
    private final Neurons major;
    private final Neurons minor;

    /** Expert {@code index} of the stacks gate/up {@code [E, 2I, d]} and down {@code [E, d, I]}, laid out as {@code layout}. */
    public MatrixExpertKernel(MatrixBackend backend, NDArray gateUp, NDArray down, int index, SwiGluLayout layout) {
        long hidden = gateUp.getShape().getLastDimension();
        int part = layout.partNeurons();
        int all = layout.neurons();
        int majorNeurons = layout.majorNeurons();
        major = new Neurons(backend.matrix(gateUp, index, 0, 2L * majorNeurons, 0, hidden),
                backend.matrix(down, index, 0, hidden, 0, majorNeurons), majorNeurons / part, part);
        if (layout.hasMinor()) {
            minor = new Neurons(backend.matrix(gateUp, index, 2L * majorNeurons, 2L * all, 0, hidden),
                    backend.matrix(down, index, 0, hidden, majorNeurons, all), layout.minorNeurons() / part, part);
            whole = backend.keepsArrays()
                    ? new Neurons(backend.matrix(gateUp, index), backend.matrix(down, index), layout.parts(), part)
                    : null;
        } else {
            minor = null;
            whole = null;
        }
    }

    @Override
    public NDArray apply(NDArray rows, int wholeRows, SwiGluMlp.GateUpTap tap) {
        int n = Math.toIntExact(rows.getShape().get(0));
        if (minor == null) {
            return major.swiGlu(rows, null, tap);
        }
        if (wholeRows == n) {
            return allWhole(rows, tap);
        }
        if (wholeRows == 0) {
            return major.swiGlu(rows, null, null);
        }
        return masksMixed(wholeRows, n - wholeRows) ? whole.swiGlu(rows, minorMask(rows, wholeRows), null) : split(rows, wholeRows);
    }

    @Override
    public boolean masksMixed(int wholeRows, int majorOnly) {
        return whole != null && wholeRows > 0 && majorOnly > 0 && wholeRows + majorOnly < MIXED_SPLIT_ROWS;
    }

    private NDArray allWhole(NDArray rows, SwiGluMlp.GateUpTap tap) {
        if (whole != null) {
            return whole.swiGlu(rows, null, tap);
        }
        if (tap == null) {
            return major.swiGlu(rows, null, null).add(minor.swiGlu(rows, null, null));
        }
        // Without whole matrices the halves run apart; their activations, neurons in the same order, are joined.
        NDArray[] majorSeen = new NDArray[2];
        NDArray majorOut = major.swiGlu(rows, null, (gate, up) -> {
            majorSeen[0] = gate;
            majorSeen[1] = up;
        });
        NDArray minorOut = minor.swiGlu(rows, null, (gate, up) -> tap.seen(
                NDArrays.concat(new NDList(majorSeen[0], gate), 1), NDArrays.concat(new NDList(majorSeen[1], up), 1)));
        return majorOut.add(minorOut);
    }

    /** The major neurons over every row, the minor ones over the first {@code wholeRows} only, added to theirs. */
    private NDArray split(NDArray rows, int wholeRows) {
        NDArray majorOut = major.swiGlu(rows, null, null);
        NDArray minorOut = minor.swiGlu(rows.get(new NDIndex("0:{}", wholeRows)), null, null);
        NDArray wholeOut = majorOut.get(new NDIndex("0:{}", wholeRows)).add(minorOut);
        return NDArrays.concat(new NDList(wholeOut, majorOut.get(new NDIndex("{}:", wholeRows))), 0);
    }

    /** {@code [P, 1, n]}: 1, but 0 for the minor parts of the rows after the first {@code wholeRows}. */
    private NDArray minorMask(NDArray rows, int wholeRows) {
        int parts = whole.count();
        int majorParts = major.count();
        int n = Math.toIntExact(rows.getShape().get(0));
        float[] mask = new float[parts * n];
        for (int p = 0; p < parts; p++) {
            for (int row = 0; row < n; row++) {
                mask[p * n + row] = p < majorParts || row < wholeRows ? 1 : 0;
            }
        }
        return rows.getManager().create(mask, new Shape(parts, 1, n));
    }

    @Override
    public void release() {
        for (Neurons neurons : new Neurons[] {whole, major, minor}) {
            if (neurons != null) {
                neurons.gateUp().release();
                neurons.down().release();
            }
        }
    }

    /**
     * {@code count} consecutive parts of {@code partNeurons} neurons, gate/up laid out {@code
     * [gate_p; up_p]} each and down's columns in the same order.
     */
    private record Neurons(WeightMatrix gateUp, WeightMatrix down, int count, int partNeurons) {

        /**
         * SwiGLU of {@code rows}, tokens as columns like {@link SwiGluMlp#apply}.
         *
         * @param mask multiplies the {@code [count, partNeurons, n]} activations, or null
         * @param tap told the gate and up pre-activations {@code [n, count·partNeurons]}, or null
         */
        NDArray swiGlu(NDArray rows, NDArray mask, SwiGluMlp.GateUpTap tap) {
            long n = rows.getShape().get(0);
            long neurons = (long) count * partNeurons;
            NDArray h = gateUp.timesTransposed(rows).reshape(count, 2, partNeurons, n);
            NDArray gate = h.get(new NDIndex(":, 0"));
            NDArray up = h.get(new NDIndex(":, 1"));
            if (tap != null) {
                tap.seen(gate.reshape(neurons, n).transpose(), up.reshape(neurons, n).transpose());
            }
            NDArray product = Scalars.silu(gate).mul(up);
            if (mask != null) {
                product = product.mul(mask);
            }
            return down.times(product.reshape(neurons, n)).transpose();
        }
    }
}
