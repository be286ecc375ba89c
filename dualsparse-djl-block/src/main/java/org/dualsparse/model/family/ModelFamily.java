package org.dualsparse.model.family;

import java.util.Optional;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.nn.WeightSource;

/**
 * One HF model family: how its {@code config.json} reads and how its blocks are built from
 * named tensors. Adding a family is one implementation of this and one line in {@link
 * ModelRegistry}.
 */
public interface ModelFamily<C extends FamilyConfig> {

    /** HF {@code model_type}, e.g. {@code "mixtral"}. */
    String modelType();

    /** Parses and validates the config, refusing any switch this family does not implement. */
    C parseConfig(HfConfig config);

    /** Builds the model, loading every tensor it needs from {@code weights}. */
    CausalLmBlock build(C config, WeightSource weights);

    /**
     * Where the routed experts of a checkpoint with this {@code config.json} live; empty for a
     * family that does not declare it, which tools that rewrite experts then refuse.
     */
    default Optional<ExpertLayout> expertLayout(HfConfig config) {
        return Optional.empty();
    }
}
