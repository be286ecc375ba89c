package org.dualsparse.bench.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.core.Linear;
import java.util.Locale;
import org.dualsparse.model.Scalars;
import org.dualsparse.model.SwiGluMlp;

/**
 * The two ways to lay out one expert's matmuls on its tokens {@code x [n, d]}, with a fused
 * {@code [2I, d]} gate/up matrix and a {@code [d, I]} down matrix stored as the model stores them.
 */
enum ExpertOrientation {

    /** {@code x·Wᵀ}: tokens stay rows ({@code Linear.linear}), what the MoE blocks do. */
    ROWS {
        @Override
        NDArray gateUp(NDArray x, NDArray gateUp, NDManager step) {
            return Linear.linear(x, gateUp).head();
        }

        @Override
        NDArray expert(NDArray x, NDArray gateUp, NDArray down, NDManager step) {
            return SwiGluMlp.apply(x, gateUp, down);
        }
    },

    /** {@code W·xᵀ}: tokens become columns; the expert transposes its {@code [d, n]} output back once. */
    COLUMNS {
        @Override
        NDArray gateUp(NDArray x, NDArray gateUp, NDManager step) {
            return inStep(gateUp.matMul(x.transpose()), step);
        }

        @Override
        NDArray expert(NDArray x, NDArray gateUp, NDArray down, NDManager step) {
            NDArray h = gateUp(x, gateUp, step);
            long intermediate = h.getShape().get(0) / 2;
            NDArray gate = h.get(new NDIndex(":{}", intermediate));
            NDArray up = h.get(new NDIndex("{}:", intermediate));
            return inStep(down.matMul(Scalars.silu(gate).mul(up)), step).transpose();
        }
    };

    /** The fused gate/up projection of {@code x}: {@code [n, 2I]} for rows, {@code [2I, n]} for columns. */
    abstract NDArray gateUp(NDArray x, NDArray gateUp, NDManager step);

    /** The whole SwiGLU expert {@code down(silu(gate) ⊙ up)} of {@code x}, {@code [n, d]}. */
    abstract NDArray expert(NDArray x, NDArray gateUp, NDArray down, NDManager step);

    /** The orientation a benchmark parameter names: {@code rows} or {@code columns}. */
    static ExpertOrientation of(String name) {
        for (ExpertOrientation o : values()) {
            if (o.name().toLowerCase(Locale.ROOT).equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("orientation is rows or columns, not " + name);
    }

    /** A result of {@code W.matMul}, which DJL puts in the weight's manager, moved into the step's. */
    private static NDArray inStep(NDArray product, NDManager step) {
        product.attach(step);
        return product;
    }
}
