package org.dualsparse.dualsparse.calibration;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.moe.GroupedMoeBlock;

/**
 * What calibration has counted on one model so far, before it becomes a {@link
 * CalibrationProfile}: per MoE layer the tokens, the counts of the score and {@code s_2/s_1}
 * histograms and the neuron importance sums, in double precision. Tallies of disjoint calibration
 * data add up ({@link #plus}) to the tally of all of it, so calibration can run in parts (the
 * partitions of a Spark job, on different machines) and still give the profile one run would
 * give: the same histograms, hence the same thresholds. Serializable to travel between them.
 */
public final class CalibrationTally implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ModelIdentity model;
    private final ImportanceMetric metric;
    private final List<LayerCounts> layers;

    private CalibrationTally(ModelIdentity model, ImportanceMetric metric, List<LayerCounts> layers) {
        this.model = model;
        this.metric = metric;
        this.layers = layers;
    }

    /** A tally at zero for {@code blocks}, in their order. */
    static CalibrationTally empty(ModelIdentity model, ImportanceMetric metric, List<GroupedMoeBlock> blocks) {
        List<LayerCounts> layers = new ArrayList<>();
        for (GroupedMoeBlock block : blocks) {
            layers.add(new LayerCounts(block.layer(), block.router().spec().topK(), block.experts().numExperts(),
                    block.experts().intermediateSize(),
                    block.sharedExpert() == null ? 0 : block.sharedExpert().intermediateSize()));
        }
        return new CalibrationTally(model, metric, layers);
    }

    public ModelIdentity model() {
        return model;
    }

    public ImportanceMetric metric() {
        return metric;
    }

    /** Calibration tokens counted (every MoE layer sees every token). */
    public long tokens() {
        return layers.get(0).tokens;
    }

    /** The counts of MoE layer {@code layer}, to be added to while a model runs. */
    LayerCounts layer(int layer) {
        for (LayerCounts counts : layers) {
            if (counts.layer == layer) {
                return counts;
            }
        }
        throw new IllegalArgumentException("the tally has no MoE layer " + layer);
    }

    /**
     * The tally of both parts' data.
     *
     * @throws IllegalArgumentException when the two were counted on different models or with
     *     different importance metrics
     */
    public CalibrationTally plus(CalibrationTally other) {
        if (!model.equals(other.model) || metric != other.metric) {
            throw new IllegalArgumentException("cannot add a calibration tally of " + other.model + " (" + other.metric
                    + ") to one of " + model + " (" + metric + ")");
        }
        List<LayerCounts> sum = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            sum.add(layers.get(i).plus(other.layers.get(i)));
        }
        return new CalibrationTally(model, metric, sum);
    }

    /** The profile of everything counted; importance is rounded to float here, once. */
    public CalibrationProfile profile() {
        List<LayerProfile> out = new ArrayList<>();
        for (LayerCounts l : layers) {
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
        return new CalibrationProfile(model, metric, tokens(), out);
    }

    /** One MoE layer's counts; mutable only while the {@link CalibrationObserver} that owns the tally runs. */
    static final class LayerCounts implements Serializable {

        private static final long serialVersionUID = 1L;

        final int layer;
        final int topK;
        final int neurons;
        final int sharedNeurons;
        final long[] scores;
        final long[] topTwo;
        final double[][] importance;
        long tokens;

        LayerCounts(int layer, int topK, int numExperts, int neurons, int sharedNeurons) {
            this.layer = layer;
            this.topK = topK;
            this.neurons = neurons;
            this.sharedNeurons = sharedNeurons;
            scores = new long[ScoreHistogram.DEFAULT_BINS];
            topTwo = new long[ScoreHistogram.DEFAULT_BINS];
            importance = new double[numExperts][neurons];
        }

        LayerCounts plus(LayerCounts other) {
            LayerCounts sum = new LayerCounts(layer, topK, importance.length, neurons, sharedNeurons);
            sum.tokens = tokens + other.tokens;
            for (int b = 0; b < scores.length; b++) {
                sum.scores[b] = scores[b] + other.scores[b];
                sum.topTwo[b] = topTwo[b] + other.topTwo[b];
            }
            for (int e = 0; e < importance.length; e++) {
                for (int n = 0; n < neurons; n++) {
                    sum.importance[e][n] = importance[e][n] + other.importance[e][n];
                }
            }
            return sum;
        }
    }
}
