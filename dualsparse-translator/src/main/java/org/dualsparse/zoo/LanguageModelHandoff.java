package org.dualsparse.zoo;

import ai.djl.Model;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;
import org.dualsparse.model.MoeLanguageModel;

/**
 * Hands the language model {@link MoeBlockFactory} built for a DJL model to {@link
 * MoeTranslatorFactory}. DJL's loader calls the two factories one after the other with nothing in
 * common but the {@link Model}, and only the block factory knows the parsed config and generation
 * defaults it built the block from; without the handoff the translator factory would read and
 * parse {@code config.json} a second time. A model that closes before its translator is made drops
 * its entry.
 */
final class LanguageModelHandoff {

    private static final Map<Model, MoeLanguageModel> BUILT = Collections.synchronizedMap(new IdentityHashMap<>());

    private LanguageModelHandoff() {}

    /** Holds {@code lm} for its DJL model until {@link #take} or until the model closes. */
    static void hold(MoeLanguageModel lm) {
        Model model = lm.model();
        BUILT.put(model, lm);
        model.getNDManager().attachInternal("language-model-handoff-" + UUID.randomUUID(), () -> BUILT.remove(model));
    }

    /**
     * The language model held for {@code model}, once; a model whose block was not built by
     * {@link MoeBlockFactory} (or whose language model was taken already) is read again from its
     * folder.
     */
    static MoeLanguageModel take(Model model) {
        MoeLanguageModel built = BUILT.remove(model);
        return built != null ? built : MoeLanguageModel.of(model);
    }
}
