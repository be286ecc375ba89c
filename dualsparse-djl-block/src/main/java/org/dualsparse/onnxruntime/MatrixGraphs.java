package org.dualsparse.onnxruntime;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.dualsparse.onnx.Onnx.AttributeProto;
import org.dualsparse.onnx.Onnx.GraphProto;
import org.dualsparse.onnx.Onnx.ModelProto;
import org.dualsparse.onnx.Onnx.NodeProto;
import org.dualsparse.onnx.Onnx.OperatorSetIdProto;
import org.dualsparse.onnx.Onnx.TensorProto;
import org.dualsparse.onnx.Onnx.TensorShapeProto;
import org.dualsparse.onnx.Onnx.TypeProto;
import org.dualsparse.onnx.Onnx.ValueInfoProto;

/**
 * The ONNX graphs the backend runs, built as {@link ModelProto} messages of ONNX's own schema.
 * Every weight is a constant initializer, so ONNX Runtime prepacks it once when the session is
 * made. A {@link Product} is one {@code y [M, N] = x [M, K] · Wᵀ} node with its weight: float32
 * through {@code Gemm} ({@code transB = 1}, MLAS SGEMM), quantized through {@code
 * com.microsoft.MatMulNBits}. {@link #single} is the one-product graph of a weight matrix; {@link
 * ExpertGraphs} chains several into one expert.
 */
final class MatrixGraphs {

    static final String INPUT = "x";
    static final String OUTPUT = "y";
    private static final String BATCH = "M";
    private static final long IR_VERSION = 8;
    private static final long ONNX_OPSET = 17;
    private static final String MICROSOFT = "com.microsoft";

    private MatrixGraphs() {}

    /** A weight {@code W [outputs, inputs]} as a product node and its initializers. */
    interface Product {

        long outputs();

        long inputs();

        /** Bytes the weight takes as stored. */
        long bytes();

        /** Adds {@code output = input · Wᵀ} to {@code graph}, its initializers named after {@code name}. */
        void addTo(GraphProto.Builder graph, String input, String output, String name);
    }

    /** The graph {@code y = x · Wᵀ} of one product. */
    static ModelProto single(Product w) {
        GraphProto.Builder graph = GraphProto.newBuilder()
                .setName("weight_product")
                .addInput(matrixValue(INPUT, w.inputs()))
                .addOutput(matrixValue(OUTPUT, w.outputs()));
        w.addTo(graph, INPUT, OUTPUT, "W");
        return model(graph.build());
    }

    /** Float32 {@code W [outputs, inputs]} read row-major from {@code weight}. */
    static Product float32(FloatBuffer weight, long outputs, long inputs) {
        ByteString raw = littleEndian(weight, Math.multiplyExact(outputs, inputs));
        return new Product() {
            @Override
            public long outputs() {
                return outputs;
            }

            @Override
            public long inputs() {
                return inputs;
            }

            @Override
            public long bytes() {
                return 4 * outputs * inputs;
            }

            @Override
            public void addTo(GraphProto.Builder graph, String input, String output, String name) {
                graph.addInitializer(TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(outputs)
                        .addDims(inputs)
                        .setRawData(raw));
                graph.addNode(NodeProto.newBuilder()
                        .setOpType("Gemm")
                        .addInput(input)
                        .addInput(name)
                        .addOutput(output)
                        .addAttribute(intAttribute("transB", 1)));
            }
        };
    }

    /** A quantized {@code W}; {@code accuracyLevel} 4 computes in int8. */
    static Product quantized(QuantizedMatrix q, int accuracyLevel) {
        return new Product() {
            @Override
            public long outputs() {
                return q.outputs();
            }

            @Override
            public long inputs() {
                return q.inputs();
            }

            @Override
            public long bytes() {
                return q.bytes();
            }

            @Override
            public void addTo(GraphProto.Builder graph, String input, String output, String name) {
                addMatMulNBits(graph, input, output, name, q, accuracyLevel);
            }
        };
    }

    private static void addMatMulNBits(
            GraphProto.Builder graph, String input, String output, String name, QuantizedMatrix q, int accuracyLevel) {
        Quantization quantization = q.quantization();
        int blocks = quantization.blocks(q.inputs());
        graph.addInitializer(TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.UINT8_VALUE)
                .addDims(q.outputs())
                .addDims(blocks)
                .addDims(quantization.blockBytes())
                .setRawData(UnsafeByteOperations.unsafeWrap(q.weights())));
        ByteBuffer scales = ByteBuffer.allocate(4 * q.scales().length).order(ByteOrder.LITTLE_ENDIAN);
        scales.asFloatBuffer().put(q.scales());
        graph.addInitializer(TensorProto.newBuilder()
                .setName(name + "_scales")
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(q.outputs())
                .addDims(blocks)
                .setRawData(UnsafeByteOperations.unsafeWrap(scales.array())));
        NodeProto.Builder node = NodeProto.newBuilder()
                .setOpType("MatMulNBits")
                .setDomain(MICROSOFT)
                .addInput(input)
                .addInput(name)
                .addInput(name + "_scales")
                .addOutput(output)
                .addAttribute(intAttribute("K", q.inputs()))
                .addAttribute(intAttribute("N", q.outputs()))
                .addAttribute(intAttribute("bits", quantization.bits()))
                .addAttribute(intAttribute("block_size", quantization.blockSize()))
                .addAttribute(intAttribute("accuracy_level", accuracyLevel));
        if (q.zeroPoints() != null) {
            graph.addInitializer(TensorProto.newBuilder()
                    .setName(name + "_zero_points")
                    .setDataType(TensorProto.DataType.UINT8_VALUE)
                    .addDims(q.outputs())
                    .addDims(quantization.zeroPointBytes(q.inputs()))
                    .setRawData(UnsafeByteOperations.unsafeWrap(q.zeroPoints())));
            node.addInput(name + "_zero_points");
        }
        graph.addNode(node);
    }

    static ModelProto model(GraphProto graph) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("dualsparse-djl")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1))
                .setGraph(graph)
                .build();
    }

    /** A float32 {@code [M, columns]} value, {@code M} left symbolic. */
    static ValueInfoProto matrixValue(String name, long columns) {
        return matrixValue(name, BATCH, columns);
    }

    /** A float32 {@code [rows, columns]} value, {@code rows} a symbolic dimension. */
    static ValueInfoProto matrixValue(String name, String rows, long columns) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(rows))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns))
                .build();
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))
                .build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    static NodeProto node(String op, String[] inputs, String... outputs) {
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(op);
        for (String input : inputs) {
            node.addInput(input);
        }
        for (String output : outputs) {
            node.addOutput(output);
        }
        return node.build();
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static ByteString littleEndian(FloatBuffer values, long count) {
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(4 * count)).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values.duplicate().limit(values.position() + (int) count));
        return UnsafeByteOperations.unsafeWrap(bytes.array());
    }
}
