/**
 * Neural-network primitives shared by the decoder and the MoE slot: where weights come from
 * ({@link org.dualsparse.nn.WeightSource}, which also names the backend its model's matrices
 * use), the seam every weight product goes through ({@link org.dualsparse.nn.WeightMatrix}, made
 * by a {@link org.dualsparse.nn.MatrixBackend}; {@link org.dualsparse.nn.TorchMatrices} is
 * libtorch's), the seam every routed expert runs through ({@link org.dualsparse.nn.ExpertKernel},
 * whole and major-only rows per {@link org.dualsparse.nn.SwiGluLayout}, by default {@link
 * org.dualsparse.nn.MatrixExpertKernel} over the backend's matrices), RMSNorm, rotary embeddings,
 * the SwiGLU MLP and arithmetic that stays correct under autograd. Depends on DJL, and on {@code config} for YaRN scaling.
 */
package org.dualsparse.nn;
