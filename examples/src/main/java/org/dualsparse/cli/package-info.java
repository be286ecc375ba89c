/**
 * The {@code dualsparse.jar} command line (picocli): generation, chat, evaluation,
 * calibration, sweeps, export, training and benchmarks.
 */
package org.dualsparse.cli;
