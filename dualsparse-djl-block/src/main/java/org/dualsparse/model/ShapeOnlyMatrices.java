package org.dualsparse.model;

import ai.djl.ndarray.NDArray;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.WeightMatrix;

/**
 * The backend of a model built only to learn which tensors its family loads (to write them as a
 * random checkpoint): it keeps nothing, so building even a full-size model holds one layer's
 * weights at a time, and its matrices refuse to multiply.
 */
final class ShapeOnlyMatrices implements MatrixBackend {

    static final ShapeOnlyMatrices BACKEND = new ShapeOnlyMatrices();

    private ShapeOnlyMatrices() {}

    @Override
    public boolean keepsArrays() {
        return false;
    }

    @Override
    public WeightMatrix matrix(NDArray stack, int index, long rowFrom, long rowTo, long columnFrom, long columnTo) {
        return new Shape(rowTo - rowFrom, columnTo - columnFrom);
    }

    private record Shape(long outputs, long inputs) implements WeightMatrix {

        @Override
        public NDArray linear(NDArray x) {
            throw unrun();
        }

        @Override
        public NDArray linear(NDArray x, NDArray bias) {
            throw unrun();
        }

        @Override
        public NDArray timesTransposed(NDArray rows) {
            throw unrun();
        }

        @Override
        public NDArray times(NDArray columns) {
            throw unrun();
        }

        @Override
        public void release() {}

        private static IllegalStateException unrun() {
            return new IllegalStateException("a model built to list its tensors has no weights to multiply by");
        }
    }
}
