/**
 * The ONNX Runtime backend of the matrix seam ({@link org.dualsparse.nn.MatrixBackend}): {@link
 * org.dualsparse.onnxruntime.OrtMatrices} makes each weight matrix one ORT session whose graph
 * multiplies by it, and each routed expert one session that runs all of it in one call ({@link
 * org.dualsparse.onnxruntime.ExpertGraphs}), float32 through {@code Gemm} or quantized at load ({@link
 * org.dualsparse.onnxruntime.BlockQuantizer}, 8 or 4 bits in blocks) through {@code
 * com.microsoft.MatMulNBits}. Graphs are built as messages of ONNX's own schema ({@code
 * org.dualsparse.onnx}, compiled by protoc at build time); activations cross from libtorch and
 * back over direct buffers; one environment and one global thread pool serve every session, and
 * a thread that runs them keeps libtorch to itself ({@link
 * org.dualsparse.onnxruntime.OrtRuntime}); packed graphs are cached on disk
 * between loads ({@link org.dualsparse.onnxruntime.WeightCache}). Depends on {@code nn} and DJL's PyTorch engine (for libtorch's thread count).
 */
package org.dualsparse.onnxruntime;
