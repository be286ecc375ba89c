package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDArray;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.RoutingObserver;

/**
 * Counts what a {@link CalibrationTally} holds while a model with its experts as loaded, in
 * checkpoint neuron order, runs the calibration tokens. Used from the forward pass's thread only.
 */
final class CalibrationObserver implements RoutingObserver {

    private final ImportanceMetric metric;
    private final CalibrationTally tally;

    CalibrationObserver(CalibrationTally tally) {
        this.metric = tally.metric();
        this.tally = tally;
    }

    @Override
    public void routed(int layer, Routing routing) {
        float[] scores = Scores.normalised(routing);
        CalibrationTally.LayerCounts l = tally.layer(layer);
        int k = routing.topK();
        l.tokens += routing.numTokens();
        for (float s : scores) {
            l.scores[ScoreHistogram.bin(s, l.scores.length)]++;
        }
        if (k < 2) {
            return;
        }
        for (int n = 0; n < routing.numTokens(); n++) {
            float first = 0;
            float second = 0;
            for (int j = n * k; j < (n + 1) * k; j++) {
                if (scores[j] > first) {
                    second = first;
                    first = scores[j];
                } else if (scores[j] > second) {
                    second = scores[j];
                }
            }
            l.topTwo[ScoreHistogram.bin(second / first, l.topTwo.length)]++;
        }
    }

    @Override
    public void activations(int layer, int expert, NDArray gate, NDArray up) {
        float[] sums = metric.sum(gate, up).toFloatArray();
        double[] importance = tally.layer(layer).importance[expert];
        for (int n = 0; n < sums.length; n++) {
            importance[n] += sums[n];
        }
    }
}
