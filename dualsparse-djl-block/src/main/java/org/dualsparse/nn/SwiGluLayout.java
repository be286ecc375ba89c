package org.dualsparse.nn;

/**
 * Where the {@code I} neurons of one SwiGLU expert sit in its fused gate/up matrix {@code [2I, d]}
 * and its down matrix {@code [d, I]}, and which of them are its major ones. The neurons are cut
 * into parts of {@code partNeurons}, laid out part by part as {@code [gate_p; up_p]}, and the down
 * matrix's columns follow the neuron order: with one part that is the checkpoint's layout, every
 * gate row first. The first {@code majorNeurons} neurons (whole parts) are the major ones: gate/up
 * rows {@code [0, 2·majorNeurons)} and down columns {@code [0, majorNeurons)}; the rest are minor.
 */
public record SwiGluLayout(int neurons, int partNeurons, int majorNeurons) {

    public SwiGluLayout {
        if (partNeurons <= 0 || neurons % partNeurons != 0) {
            throw new IllegalArgumentException(neurons + " neurons do not split into parts of " + partNeurons);
        }
        if (majorNeurons <= 0 || majorNeurons > neurons || majorNeurons % partNeurons != 0) {
            throw new IllegalArgumentException(
                    majorNeurons + " major neurons are not a number of whole parts of " + partNeurons + " out of " + neurons);
        }
    }

    /** The checkpoint's layout, gate rows first, every neuron major. */
    public static SwiGluLayout dense(int neurons) {
        return new SwiGluLayout(neurons, neurons, neurons);
    }

    /** Whether some neurons are minor, computed only by whole rows. */
    public boolean hasMinor() {
        return majorNeurons < neurons;
    }

    public int minorNeurons() {
        return neurons - majorNeurons;
    }

    /** Number of parts, {@code I / partNeurons}. */
    public int parts() {
        return neurons / partNeurons;
    }

    /** The gate/up row of neuron {@code neuron}'s gate weights. */
    public int gateRow(int neuron) {
        return 2 * (neuron / partNeurons) * partNeurons + neuron % partNeurons;
    }

    /** The gate/up row of neuron {@code neuron}'s up weights. */
    public int upRow(int neuron) {
        return gateRow(neuron) + partNeurons;
    }
}
