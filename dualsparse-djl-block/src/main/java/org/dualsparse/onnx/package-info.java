/**
 * ONNX's IR schema ({@code ModelProto}, {@code GraphProto}, {@code NodeProto}, {@code
 * TensorProto}, ...) as Java classes, generated at build time by protoc from {@code
 * src/main/proto/onnx/onnx.proto}, ONNX's own {@code onnx.proto3} (see the README beside it).
 * Nothing here is written by hand.
 */
package org.dualsparse.onnx;
