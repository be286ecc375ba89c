/**
 * The DualSparse-MoE method, independent of any model family, in subpackages by concern:
 * {@code partition} (sub-experts and neuron reconstruction), {@code drop} (which token-expert
 * pairs run whole, in part or not at all), {@code runtime} (the block that replaces a layer's MoE
 * block and the handle that controls all of them), {@code calibration} (profiles, thresholds,
 * sensitivity), {@code parallel} (simulated expert parallelism) and {@code export}
 * (complete-partition checkpoints). This package holds {@link
 * org.dualsparse.dualsparse.DualSparseSettings}, the typed settings that apply the method to a
 * loaded model.
 */
package org.dualsparse.dualsparse;
