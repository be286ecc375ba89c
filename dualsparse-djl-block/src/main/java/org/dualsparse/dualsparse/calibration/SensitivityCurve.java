package org.dualsparse.dualsparse.calibration;

import java.util.Arrays;

/**
 * What dropping costs in one MoE layer alone: the next-token KL divergence from the undropped
 * model measured at a few drop rates of that layer (see {@link LayerSensitivity}).
 *
 * @param rates increasing drop rates of the layer
 * @param kl mean KL divergence at each rate, in nats per position
 */
public record SensitivityCurve(double[] rates, double[] kl) {

    public SensitivityCurve {
        if (rates.length == 0 || rates.length != kl.length) {
            throw new IllegalArgumentException(rates.length + " rates for " + kl.length + " KL values");
        }
        for (int i = 0; i < rates.length; i++) {
            if (i > 0 && !(rates[i] > rates[i - 1])) {
                throw new IllegalArgumentException("rates must increase: " + Arrays.toString(rates));
            }
            if (!(kl[i] >= 0) || Double.isInfinite(kl[i])) {
                throw new IllegalArgumentException("KL must be finite and ≥ 0: " + Arrays.toString(kl));
            }
        }
    }

    /**
     * The lower convex envelope of the measured points, as indices into {@link #rates()}: the
     * cost a convex model of the layer assigns, so that its marginal cost only grows with the rate.
     */
    int[] convexEnvelope() {
        int[] hull = new int[rates.length];
        int size = 0;
        for (int i = 0; i < rates.length; i++) {
            while (size >= 2 && slope(hull[size - 2], hull[size - 1]) >= slope(hull[size - 1], i)) {
                size--;
            }
            hull[size++] = i;
        }
        return Arrays.copyOf(hull, size);
    }

    private double slope(int a, int b) {
        return (kl[b] - kl[a]) / (rates[b] - rates[a]);
    }
}
