/**
 * Safetensors checkpoints on disk: the header parser, memory-mapped tensor reads in any stored
 * dtype (widened to float32), sharded indexes, and the writer. Depends on nothing else of this
 * project; every refusal is a typed {@link org.dualsparse.checkpoint.CheckpointException}.
 */
package org.dualsparse.checkpoint;
