package org.dualsparse.dualsparse.calibration;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.partition.NeuronOrder;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.MoeLanguageModel;

/**
 * What one calibration run measured on a model, enough to reconstruct its experts and to turn
 * target drop rates into thresholds without running it again: per MoE layer the neuron
 * importance of every expert, the distribution of the normalised scores and of {@code s_2/s_1},
 * the token count and the layer's shape. Saved and loaded by {@link ProfileFile}.
 *
 * <p>Scores are kept as fine histograms ({@link ScoreHistogram#DEFAULT_BINS} bins on {@code
 * [0, 1]}), not raw: the raw scores grow with the calibration set (OLMoE's 16 layers × top-8 on
 * 256k tokens would be 134 MB), while a histogram is 32 KB per layer and misplaces, for any
 * threshold, at most the pairs of the one bin the threshold falls in.
 */
public final class CalibrationProfile {

    private final ModelIdentity model;
    private final ImportanceMetric metric;
    private final long tokens;
    private final List<LayerProfile> layers;

    /**
     * @param tokens calibration tokens the model ran on
     * @param layers one per MoE layer
     */
    public CalibrationProfile(ModelIdentity model, ImportanceMetric metric, long tokens, List<LayerProfile> layers) {
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a calibration profile needs at least one MoE layer");
        }
        this.model = model;
        this.metric = metric;
        this.tokens = tokens;
        this.layers = layers.stream().sorted(Comparator.comparingInt(LayerProfile::layer)).toList();
    }

    /** Reads a profile file; see {@link ProfileFile}. */
    public static CalibrationProfile load(Path file) {
        return ProfileFile.read(file);
    }

    /**
     * Reads a profile file and checks it was measured on {@code lm}.
     *
     * @throws ProfileMismatchException naming both models when it was not
     */
    public static CalibrationProfile loadFor(Path file, MoeLanguageModel lm) {
        CalibrationProfile profile = load(file);
        ModelIdentity actual = ModelIdentity.of(lm);
        if (!profile.model.equals(actual)) {
            throw new ProfileMismatchException(file, profile.model, actual);
        }
        return profile;
    }

    /** Writes this profile; see {@link ProfileFile}. */
    public void save(Path file) {
        ProfileFile.write(this, file);
    }

    public ModelIdentity model() {
        return model;
    }

    public ImportanceMetric metric() {
        return metric;
    }

    public long tokens() {
        return tokens;
    }

    /** The MoE layers, in layer order. */
    public List<LayerProfile> layers() {
        return layers;
    }

    public LayerProfile layer(int layer) {
        for (LayerProfile l : layers) {
            if (l.layer() == layer) {
                return l;
            }
        }
        throw new NoSuchElementException("the profile has no MoE layer " + layer);
    }

    /** Neuron reconstruction by this profile's importance: for {@link Reconstruction#PROFILE}. */
    public NeuronOrder neuronOrder() {
        return (layer, expert) -> NeuronOrder.byImportance(layer(layer).importance()[expert]);
    }

    /** The EES baseline's {@code β}: the median of {@code s_2/s_1} over every token of every layer. */
    public double eesBeta() {
        ScoreHistogram all = layers.get(0).topTwoRatios();
        for (LayerProfile l : layers.subList(1, layers.size())) {
            all = all.plus(l.topTwoRatios());
        }
        if (all.total() == 0) {
            throw new IllegalStateException("EES needs two experts per token; this model routes to " + layers.get(0).topK());
        }
        return all.quantile(0.5);
    }
}
