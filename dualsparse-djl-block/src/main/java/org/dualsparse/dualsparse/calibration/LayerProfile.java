package org.dualsparse.dualsparse.calibration;

import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.runtime.DropStats;

/**
 * What calibration measured on one MoE layer.
 *
 * @param layer the decoder layer index
 * @param topK experts per token
 * @param sharedNeurons neurons every token computes in shared experts (0 without)
 * @param tokens calibration tokens the layer routed
 * @param scores the normalised score {@code s_k} of every routed pair ({@code tokens · topK} values)
 * @param topTwoRatios {@code s_2 / s_1} of every token, its second-largest over its largest score
 *     (empty when {@code topK} is 1)
 * @param importance {@code [expert][neuron]}, in the checkpoint's neuron order
 */
public record LayerProfile(
        int layer,
        int topK,
        int numExperts,
        int expertNeurons,
        int sharedNeurons,
        long tokens,
        ScoreHistogram scores,
        ScoreHistogram topTwoRatios,
        float[][] importance) {

    /** The layer's shape once its experts are split as {@code partition} says. */
    public DropStats.LayerShape shape(Partition partition) {
        return new DropStats.LayerShape(numExperts, expertNeurons, partition.majorNeurons(expertNeurons), sharedNeurons);
    }
}
