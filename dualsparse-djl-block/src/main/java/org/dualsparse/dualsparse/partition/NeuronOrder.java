package org.dualsparse.dualsparse.partition;

import org.dualsparse.dualsparse.drop.Scores;

/** A per-expert neuron permutation: the most important neurons first (neuron reconstruction). */
@FunctionalInterface
public interface NeuronOrder {

    /** {@code permutation[i]} is the original index of the neuron placed at {@code i}. */
    int[] permutation(int layer, int expert);

    /** Sorts neurons by descending importance, the lower index first on ties. */
    static int[] byImportance(float[] importance) {
        return Scores.descending(importance, 0, importance.length);
    }
}
