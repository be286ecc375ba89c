package org.dualsparse.zoo;

import ai.djl.repository.zoo.Criteria;
import org.dualsparse.nn.TorchEngine;

/**
 * The DJL {@link Criteria} entry point for HuggingFace MoE checkpoint folders. Where an
 * application has {@code Criteria.builder()}, it writes {@code MoeCriteria.builder()} and keeps
 * the rest:
 *
 * <pre>{@code
 * Criteria<String, String> criteria = MoeCriteria.builder()
 *         .setTypes(String.class, String.class)
 *         .optModelPath(Path.of("/models/Qwen1.5-MoE-A2.7B-Chat"))
 *         .optArgument("max_new_tokens", 64)
 *         .build();
 * }</pre>
 *
 * <p>It is plain DJL configuration, which {@code serving.properties} can give as well: the
 * PyTorch engine, {@code blockFactory} = {@link MoeBlockFactory} (DJL's loader otherwise looks for
 * a TorchScript file), option {@code hasParameter = false} (the block factory loads the weights,
 * not DJL's {@code .params} reader) and {@link MoeTranslatorFactory}.
 */
public final class MoeCriteria {

    private MoeCriteria() {}

    /** A Criteria builder for MoE model folders; DJL's offline mode is turned on unless set. */
    public static Criteria.Builder<?, ?> builder() {
        TorchEngine.useOfflineMode();
        return Criteria.builder()
                .optEngine("PyTorch")
                .optArgument("blockFactory", MoeBlockFactory.class.getName())
                .optOption("hasParameter", "false")
                .optTranslatorFactory(new MoeTranslatorFactory());
    }
}
