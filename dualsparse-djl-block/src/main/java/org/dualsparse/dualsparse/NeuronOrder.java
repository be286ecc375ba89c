package org.dualsparse.dualsparse;

/** A per-expert neuron permutation: the most important neurons first (neuron reconstruction). */
@FunctionalInterface
public interface NeuronOrder {

    /** {@code permutation[i]} is the original index of the neuron placed at {@code i}. */
    int[] permutation(int layer, int expert);

    /** Sorts neurons by descending importance, the lower index first on ties. */
    static int[] byImportance(float[] importance) {
        Integer[] order = new Integer[importance.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(importance[b], importance[a]));
        int[] permutation = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            permutation[i] = order[i];
        }
        return permutation;
    }
}
