package org.dualsparse.dualsparse.drop;

import org.dualsparse.moe.Routing;

/** Normalised routing scores {@code s_k = g_k / Σ_j g_j} over each token's top-K. */
public final class Scores {

    private Scores() {}

    /** The normalised score of every pair of {@code routing}. */
    public static float[] normalised(Routing routing) {
        float[] g = routing.hostWeights();
        int k = routing.topK();
        float[] s = new float[g.length];
        for (int n = 0; n < routing.numTokens(); n++) {
            double sum = 0;
            for (int j = n * k; j < (n + 1) * k; j++) {
                sum += g[j];
            }
            for (int j = n * k; j < (n + 1) * k; j++) {
                s[j] = sum > 0 ? (float) (g[j] / sum) : 1f / k;
            }
        }
        return s;
    }

    /** Index (absolute) of the largest of {@code scores[from .. from+count)}, the first on ties. */
    static int argMax(float[] scores, int from, int count) {
        int best = from;
        for (int j = from + 1; j < from + count; j++) {
            if (scores[j] > scores[best]) {
                best = j;
            }
        }
        return best;
    }

    /** Offsets {@code 0..count-1} of {@code scores[from ..]} sorted by descending score, stable. */
    public static int[] descending(float[] scores, int from, int count) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(scores[from + b], scores[from + a]));
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
