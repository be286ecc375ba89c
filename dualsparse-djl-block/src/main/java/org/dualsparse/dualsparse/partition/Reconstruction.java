package org.dualsparse.dualsparse.partition;

/** Where the neuron order of the sub-experts comes from. */
public enum Reconstruction {
    /** The checkpoint's order. */
    NONE,
    /** The {@code weight} metric, computed from the weights: needs no data. */
    WEIGHT,
    /** A calibration profile's order. */
    PROFILE
}
