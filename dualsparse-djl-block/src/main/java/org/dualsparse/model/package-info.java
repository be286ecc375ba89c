/**
 * A loaded model: {@link org.dualsparse.model.MoeLanguageModel} reads a checkpoint folder
 * (config, safetensors, generation config), picks its family and builds the block tree in a DJL
 * {@code Model}, its weight products run by the backend {@link org.dualsparse.model.LoadOptions}
 * name (libtorch, or ONNX Runtime in float32, int8 or int4, whose packed weights are cached
 * beside the checkpoint); random and preset checkpoints for tests and benchmarks.
 */
package org.dualsparse.model;
