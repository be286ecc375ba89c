package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.moe.GroupedMoeBlock;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.RoutingObserver;

/**
 * Accumulates what a {@link CalibrationProfile} holds while a model with its experts as loaded,
 * in checkpoint neuron order, runs the calibration tokens. Used from the forward pass's thread
 * only.
 */
final class CalibrationObserver implements RoutingObserver {

    private final ImportanceMetric metric;
    private final Map<Integer, Layer> layers = new TreeMap<>();

    CalibrationObserver(ImportanceMetric metric, List<GroupedMoeBlock> blocks) {
        this.metric = metric;
        for (GroupedMoeBlock block : blocks) {
            layers.put(block.layer(), new Layer(block));
        }
    }

    @Override
    public void routed(int layer, Routing routing) {
        float[] scores = Scores.normalised(routing);
        Layer l = layers.get(layer);
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
        double[] importance = layers.get(layer).importance[expert];
        for (int n = 0; n < sums.length; n++) {
            importance[n] += sums[n];
        }
    }

    /** Calibration tokens seen so far (by the first MoE layer; every layer sees every token). */
    long tokens() {
        return layers.values().iterator().next().tokens;
    }

    /** What has been measured so far, one entry per MoE layer. */
    List<LayerProfile> layers() {
        List<LayerProfile> out = new ArrayList<>();
        for (Layer l : layers.values()) {
            float[][] importance = new float[l.importance.length][];
            for (int e = 0; e < importance.length; e++) {
                importance[e] = new float[l.importance[e].length];
                for (int n = 0; n < importance[e].length; n++) {
                    importance[e][n] = (float) l.importance[e][n];
                }
            }
            out.add(new LayerProfile(l.layer, l.topK, importance.length, l.neurons, l.sharedNeurons, l.tokens,
                    new ScoreHistogram(l.scores.clone()), new ScoreHistogram(l.topTwo.clone()), importance));
        }
        return out;
    }

    private static final class Layer {
        final int layer;
        final int topK;
        final int neurons;
        final int sharedNeurons;
        final long[] scores = new long[ScoreHistogram.DEFAULT_BINS];
        final long[] topTwo = new long[ScoreHistogram.DEFAULT_BINS];
        final double[][] importance;
        long tokens;

        Layer(GroupedMoeBlock block) {
            layer = block.layer();
            topK = block.router().spec().topK();
            neurons = block.experts().intermediateSize();
            sharedNeurons = block.sharedExpert() == null ? 0 : block.sharedExpert().intermediateSize();
            importance = new double[block.experts().numExperts()][neurons];
        }
    }
}
