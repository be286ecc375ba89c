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
 * The one-product ONNX graphs the backend runs: {@code y [M, N] = x [M, K] · Wᵀ} with {@code W}
 * a constant initializer, so ONNX Runtime prepacks it once when the session is made. Float32
 * weights go through {@code Gemm} ({@code transB = 1}, MLAS SGEMM); quantized ones through
 * {@code com.microsoft.MatMulNBits}. Built as {@link ModelProto} messages of ONNX's own schema.
 */
final class MatrixGraphs {

    static final String INPUT = "x";
    static final String OUTPUT = "y";
    private static final String BATCH = "M";
    private static final long IR_VERSION = 8;
    private static final long ONNX_OPSET = 17;
    private static final String MICROSOFT = "com.microsoft";

    private MatrixGraphs() {}

    /** {@code y = x · Wᵀ} for float32 {@code W [outputs, inputs]} read row-major from {@code weight}. */
    static ModelProto gemm(FloatBuffer weight, long outputs, long inputs) {
        TensorProto w = TensorProto.newBuilder()
                .setName("W")
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(outputs)
                .addDims(inputs)
                .setRawData(littleEndian(weight, Math.multiplyExact(outputs, inputs)))
                .build();
        NodeProto gemm = NodeProto.newBuilder()
                .setOpType("Gemm")
                .addInput(INPUT)
                .addInput("W")
                .addOutput(OUTPUT)
                .addAttribute(intAttribute("transB", 1))
                .build();
        return model(graph(gemm, inputs, outputs).addInitializer(w).build());
    }

    /** {@code y = x · Wᵀ} for a quantized {@code W}; {@code accuracyLevel} 4 computes in int8. */
    static ModelProto matMulNBits(QuantizedMatrix q, int accuracyLevel) {
        Quantization quantization = q.quantization();
        int blocks = quantization.blocks(q.inputs());
        GraphProto.Builder graph = graph(null, q.inputs(), q.outputs());
        graph.addInitializer(TensorProto.newBuilder()
                .setName("B")
                .setDataType(TensorProto.DataType.UINT8_VALUE)
                .addDims(q.outputs())
                .addDims(blocks)
                .addDims(quantization.blockBytes())
                .setRawData(UnsafeByteOperations.unsafeWrap(q.weights())));
        ByteBuffer scales = ByteBuffer.allocate(4 * q.scales().length).order(ByteOrder.LITTLE_ENDIAN);
        scales.asFloatBuffer().put(q.scales());
        graph.addInitializer(TensorProto.newBuilder()
                .setName("scales")
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(q.outputs())
                .addDims(blocks)
                .setRawData(UnsafeByteOperations.unsafeWrap(scales.array())));
        NodeProto.Builder node = NodeProto.newBuilder()
                .setOpType("MatMulNBits")
                .setDomain(MICROSOFT)
                .addInput(INPUT)
                .addInput("B")
                .addInput("scales")
                .addOutput(OUTPUT)
                .addAttribute(intAttribute("K", q.inputs()))
                .addAttribute(intAttribute("N", q.outputs()))
                .addAttribute(intAttribute("bits", quantization.bits()))
                .addAttribute(intAttribute("block_size", quantization.blockSize()))
                .addAttribute(intAttribute("accuracy_level", accuracyLevel));
        if (q.zeroPoints() != null) {
            graph.addInitializer(TensorProto.newBuilder()
                    .setName("zero_points")
                    .setDataType(TensorProto.DataType.UINT8_VALUE)
                    .addDims(q.outputs())
                    .addDims(quantization.zeroPointBytes(q.inputs()))
                    .setRawData(UnsafeByteOperations.unsafeWrap(q.zeroPoints())));
            node.addInput("zero_points");
        }
        graph.addNode(node);
        return model(graph.build());
    }

    private static GraphProto.Builder graph(NodeProto node, long inputs, long outputs) {
        GraphProto.Builder graph = GraphProto.newBuilder()
                .setName("weight_product")
                .addInput(matrixValue(INPUT, inputs))
                .addOutput(matrixValue(OUTPUT, outputs));
        return node == null ? graph : graph.addNode(node);
    }

    private static ModelProto model(GraphProto graph) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("dualsparse-djl")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(ONNX_OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1))
                .setGraph(graph)
                .build();
    }

    /** A float32 {@code [M, columns]} value, {@code M} left symbolic. */
    private static ValueInfoProto matrixValue(String name, long columns) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns))
                .build();
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))
                .build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static ByteString littleEndian(FloatBuffer values, long count) {
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(4 * count)).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values.duplicate().limit(values.position() + (int) count));
        return UnsafeByteOperations.unsafeWrap(bytes.array());
    }
}
