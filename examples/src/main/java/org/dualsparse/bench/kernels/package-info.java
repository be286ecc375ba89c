/**
 * Micro benchmarks of the kernels under the MoE layer: GEMM peak, memory bandwidth, expert GEMMs
 * by orientation, half-precision weights and JNI call overhead.
 */
package org.dualsparse.bench.kernels;
