/**
 * Generation: options, sampling, stop strings and the batched generator that runs a model with
 * its KV cache, one scoped {@code NDManager} per step.
 */
package org.dualsparse.generate;
