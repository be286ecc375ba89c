package org.dualsparse.bench.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.core.Linear;
import java.util.Locale;
import org.dualsparse.nn.Scalars;
import org.dualsparse.nn.SwiGluMlp;
import org.dualsparse.nn.TorchMatrices;

/**
 * The two ways to lay out one expert's matmuls on its tokens {@code x [n, d]}, with a fused
 * {@code [2I, d]} gate/up matrix and a {@code [d, I]} down matrix stored as the model stores them.
 */
enum ExpertOrientation {

    /** {@code x·Wᵀ}: tokens stay rows ({@code Linear.linear}), what the MoE blocks did first. */
    ROWS {
        @Override
        NDArray gateUp(NDArray x, NDArray gateUp) {
            return Linear.linear(x, gateUp).head();
        }

        @Override
        NDArray expert(NDArray x, NDArray gateUp, NDArray down) {
            NDArray h = gateUp(x, gateUp);
            long intermediate = h.getShape().getLastDimension() / 2;
            NDArray gate = h.get(new NDIndex(":, :{}", intermediate));
            NDArray up = h.get(new NDIndex(":, {}:", intermediate));
            return Linear.linear(Scalars.silu(gate).mul(up), down).head();
        }
    },

    /** {@code W·xᵀ}: tokens become columns, as {@link SwiGluMlp#apply} and the MoE blocks now compute. */
    COLUMNS {
        @Override
        NDArray gateUp(NDArray x, NDArray gateUp) {
            return TorchMatrices.BACKEND.matrix(gateUp).timesTransposed(x);
        }

        @Override
        NDArray expert(NDArray x, NDArray gateUp, NDArray down) {
            return SwiGluMlp.apply(x, TorchMatrices.BACKEND.matrix(gateUp), TorchMatrices.BACKEND.matrix(down));
        }
    };

    /** The fused gate/up projection of {@code x}: {@code [n, 2I]} for rows, {@code [2I, n]} for columns. */
    abstract NDArray gateUp(NDArray x, NDArray gateUp);

    /** The whole SwiGLU expert {@code down(silu(gate) ⊙ up)} of {@code x}, {@code [n, d]}. */
    abstract NDArray expert(NDArray x, NDArray gateUp, NDArray down);

    /** The orientation a benchmark parameter names: {@code rows} or {@code columns}. */
    static ExpertOrientation of(String name) {
        for (ExpertOrientation o : values()) {
            if (o.name().toLowerCase(Locale.ROOT).equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("orientation is rows or columns, not " + name);
    }
}
