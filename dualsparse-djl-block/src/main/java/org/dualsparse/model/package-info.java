/**
 * A loaded model: {@link org.dualsparse.model.MoeLanguageModel} reads a checkpoint folder
 * (config, safetensors, generation config), picks its family and builds the block tree in a DJL
 * {@code Model}; random and preset checkpoints for tests and benchmarks.
 */
package org.dualsparse.model;
