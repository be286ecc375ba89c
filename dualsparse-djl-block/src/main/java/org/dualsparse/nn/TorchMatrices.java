package org.dualsparse.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * The libtorch backend: products run on the float32 arrays as loaded, through DJL's PyTorch
 * engine. A matrix is a view into its root array made once at load, so a forward step never
 * allocates in the model's manager; while the root is being trained, the view is taken again in
 * the step's manager (views made at load carry no gradient back to the root).
 */
public final class TorchMatrices implements MatrixBackend {

    /** The one instance: the backend holds no state. */
    public static final TorchMatrices BACKEND = new TorchMatrices();

    /** Columns from which activations are multiplied as they are, see {@link Matrix#times}. */
    static final int COLUMN_MAJOR_BELOW = 16;

    private TorchMatrices() {}

    @Override
    public boolean keepsArrays() {
        return true;
    }

    @Override
    public WeightMatrix matrix(NDArray stack, int index, long rowFrom, long rowTo, long columnFrom, long columnTo) {
        Shape s = stack.getShape();
        checkRange(rowFrom, rowTo, s.get(s.dimension() - 2), "rows");
        checkRange(columnFrom, columnTo, s.getLastDimension(), "columns");
        return new Matrix(stack, index, rowFrom, rowTo, columnFrom, columnTo);
    }

    @Override
    public String toString() {
        return "libtorch f32";
    }

    private static void checkRange(long from, long to, long size, String what) {
        if (from < 0 || to > size || from >= to) {
            throw new IndexOutOfBoundsException(what + " [" + from + ", " + to + ") of " + size);
        }
    }

    /**
     * Rows {@code [rowFrom, rowTo)} and columns {@code [columnFrom, columnTo)} of {@code root},
     * or of its matrix {@code stackIndex} when the root is a stack ({@code stackIndex} ≥ 0).
     */
    private static final class Matrix implements WeightMatrix {

        private final NDArray root;
        private final int stackIndex;
        private final long rowFrom;
        private final long rowTo;
        private final long columnFrom;
        private final long columnTo;
        private final NDIndex index;
        private final NDArray view;

        Matrix(NDArray root, int stackIndex, long rowFrom, long rowTo, long columnFrom, long columnTo) {
            this.root = root;
            this.stackIndex = stackIndex;
            this.rowFrom = rowFrom;
            this.rowTo = rowTo;
            this.columnFrom = columnFrom;
            this.columnTo = columnTo;
            Shape whole = root.getShape();
            boolean allRows = rowFrom == 0 && rowTo == whole.get(whole.dimension() - 2);
            boolean allColumns = columnFrom == 0 && columnTo == whole.getLastDimension();
            String stack = stackIndex >= 0 ? stackIndex + ", " : "";
            if (stackIndex < 0 && allRows && allColumns) {
                index = null;
            } else if (allColumns) {
                index = new NDIndex(stack + rowFrom + ":" + rowTo);
            } else {
                index = new NDIndex(stack + rowFrom + ":" + rowTo + ", " + columnFrom + ":" + columnTo);
            }
            view = index == null ? root : root.get(index);
        }

        @Override
        public long outputs() {
            return rowTo - rowFrom;
        }

        @Override
        public long inputs() {
            return columnTo - columnFrom;
        }

        /** The weight for a product with {@code activations}: the load-time view, or a fresh one while training. */
        private NDArray weight(NDArray activations) {
            return index != null && root.hasGradient() ? root.get(activations.getManager(), index) : view;
        }

        @Override
        public NDArray linear(NDArray x) {
            return Linear.linear(x, weight(x)).head();
        }

        @Override
        public NDArray linear(NDArray x, NDArray bias) {
            return Linear.linear(x, weight(x), bias).head();
        }

        @Override
        public NDArray timesTransposed(NDArray rows) {
            return product(weight(rows), rows.transpose());
        }

        /**
         * From 2 to {@value #COLUMN_MAJOR_BELOW} - 1 columns the activations are copied
         * column-major first, the layout a transposed token matrix already has: libtorch's CPU
         * SGEMM runs those 1.1–1.4x faster per whole OLMoE expert, while from 16 columns that path
         * is a few percent slower (measured side by side on this project's 2-core CPU).
         */
        @Override
        public NDArray times(NDArray columns) {
            Shape s = columns.getShape();
            long n = s.get(1);
            if (n == 1 || n >= COLUMN_MAJOR_BELOW) {
                return product(weight(columns), columns);
            }
            NDArray columnMajor = columns.transpose().flatten().reshape(n, s.get(0)).transpose();
            return product(weight(columns), columnMajor);
        }

        /** DJL puts {@code a.matMul(b)} in {@code a}'s manager, for a weight the model's: moved to the step's. */
        private static NDArray product(NDArray weight, NDArray columns) {
            NDArray product = weight.matMul(columns);
            product.attach(columns.getManager());
            return product;
        }

        @Override
        public void release() {
            if (view != root) {
                view.close();
            }
        }
    }
}
