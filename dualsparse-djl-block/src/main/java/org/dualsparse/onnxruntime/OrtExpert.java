package org.dualsparse.onnxruntime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.dualsparse.nn.ExpertKernel;
import org.dualsparse.nn.SwiGluLayout;
import org.dualsparse.nn.SwiGluMlp;

/**
 * One expert as one ONNX Runtime session ({@link ExpertGraphs}): whole and major-only rows in one
 * call, the major-only rows skipping the minor neurons whatever their number, so it never masks.
 * Rows cross as direct buffers over the libtorch array (copied first only if it is not
 * contiguous), and ORT writes the output into a libtorch array made for it.
 */
final class OrtExpert extends OrtWeights implements ExpertKernel {

    private final SwiGluLayout layout;
    private final long hidden;

    OrtExpert(CompletableFuture<OrtSession> session, SwiGluLayout layout, long hidden, long bytes) {
        super(session, bytes);
        this.layout = layout;
        this.hidden = hidden;
    }

    @Override
    public NDArray apply(NDArray rows, int whole, SwiGluMlp.GateUpTap tap) {
        long n = rows.getShape().get(0);
        if (rows.getShape().dimension() != 2 || rows.getShape().get(1) != hidden || whole < 0 || whole > n) {
            throw new IllegalArgumentException("an expert of width " + hidden + " cannot run " + whole + " whole rows of " + rows.getShape());
        }
        int wholeRows = layout.hasMinor() ? whole : Math.toIntExact(n);
        boolean seen = tap != null && wholeRows == n;
        NDManager manager = rows.getManager();
        NDArray y = manager.create(new Shape(n, hidden), DataType.FLOAT32);
        NDArray gateUp = seen ? manager.create(new Shape(n, 2L * layout.majorNeurons()), DataType.FLOAT32) : null;
        NDArray gateUpMinor = seen && layout.hasMinor()
                ? manager.create(new Shape(n, 2L * layout.minorNeurons()), DataType.FLOAT32)
                : null;
        ByteBuffer in = rows.toByteBuffer(true);
        Map<String, OnnxTensor> inputs = new HashMap<>(2);
        Map<String, OnnxTensor> outputs = new HashMap<>(3);
        try {
            inputs.put(ExpertGraphs.WHOLE, OrtTensors.rows(in, 0, wholeRows, hidden));
            if (layout.hasMinor()) {
                inputs.put(ExpertGraphs.MAJOR_ONLY, OrtTensors.rows(in, wholeRows, n, hidden));
            }
            outputs.put(ExpertGraphs.OUTPUT, OrtTensors.whole(y));
            if (gateUp != null) {
                outputs.put(ExpertGraphs.GATE_UP, OrtTensors.whole(gateUp));
            }
            if (gateUpMinor != null) {
                outputs.put(ExpertGraphs.GATE_UP_MINOR, OrtTensors.whole(gateUpMinor));
            }
            OrtRuntime.run(session(), inputs, outputs);
        } catch (OrtException e) {
            y.close();
            throw new OnnxRuntimeException("ONNX Runtime failed on an expert of " + layout.neurons() + " neurons over "
                    + n + " rows (" + wholeRows + " whole)", e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
            outputs.values().forEach(OnnxTensor::close);
        }
        if (seen) {
            showActivations(gateUp, gateUpMinor, tap);
        }
        return y;
    }

    /** Gates and ups {@code [n, I]} in neuron order: the major neurons', then the minor ones'. */
    private void showActivations(NDArray gateUp, NDArray gateUpMinor, SwiGluMlp.GateUpTap tap) {
        int a = layout.majorNeurons();
        if (gateUpMinor == null) {
            tap.seen(gateUp.get(new NDIndex(":, :{}", a)), gateUp.get(new NDIndex(":, {}:", a)));
            return;
        }
        int b = layout.minorNeurons();
        tap.seen(NDArrays.concat(new NDList(gateUp.get(new NDIndex(":, :{}", a)), gateUpMinor.get(new NDIndex(":, :{}", b))), 1),
                NDArrays.concat(new NDList(gateUp.get(new NDIndex(":, {}:", a)), gateUpMinor.get(new NDIndex(":, {}:", b))), 1));
    }

    @Override
    public boolean masksMixed(int whole, int majorOnly) {
        return false;
    }
}
