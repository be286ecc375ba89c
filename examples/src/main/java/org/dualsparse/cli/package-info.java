/**
 * The {@code dualsparse.jar} command line (picocli): generation, chat, evaluation,
 * calibration, sweeps, export, training, benchmarks, and the batch jobs on Spark.
 */
package org.dualsparse.cli;
