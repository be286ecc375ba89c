package org.dualsparse.dualsparse.runtime;

/**
 * The two drop-rate figures of a run, both over the expert-neuron computations of the dense
 * model (routed and shared experts in the denominator).
 *
 * @param decision the method's drop rate as the policy decided it (the paper's definition): a
 *     dropped pair skips its whole expert, a major-only pair its minor neurons
 * @param skippedWork the work the kernels that ran actually skipped: lower than {@code decision}
 *     where an expert with both whole and major-only pairs ran as one whole-expert pass with the
 *     minor activations of the major-only rows zeroed ({@link org.dualsparse.nn.ExpertKernel#masksMixed})
 */
public record DropRates(double decision, double skippedWork) {

    public static final DropRates NONE = new DropRates(0, 0);
}
