/**
 * Calibration: routing scores and neuron activations recorded on calibration text, saved as a
 * profile file, and what is solved from them (thresholds for a target drop rate, per-layer
 * sensitivity, neuron importance).
 */
package org.dualsparse.dualsparse.calibration;
