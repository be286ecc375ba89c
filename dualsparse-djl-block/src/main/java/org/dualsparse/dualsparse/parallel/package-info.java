/**
 * Expert parallelism simulated on one machine: placements of experts on devices, routing
 * traces replayed through drop policies, load-aware thresholds and per-device load figures.
 */
package org.dualsparse.dualsparse.parallel;
