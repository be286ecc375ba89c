/**
 * Benchmarks of one MoE layer and of whole models, timed side by side in interleaved trials.
 */
package org.dualsparse.bench;
