package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.translate.Translator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.dualsparse.config.ConfigException;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Criteria load builds one language model: the translator factory serves the one the block
 * factory built (called in the order DJL's loader calls them) and reads no {@code config.json}.
 */
class LoadOnceTest {

    @Test
    void theBlockFactoryHandsOverTheLanguageModelOfTheBlockItReturns(@TempDir Path dir) {
        Path folder = TinyModels.qwen(dir.resolve("qwen"));
        try (Model model = newModel()) {
            model.setBlock(new MoeBlockFactory().newBlock(model, folder, Map.of("partition", 2)));
            MoeLanguageModel built = LanguageModelHandoff.take(model);
            assertSame(model.getBlock(), built.block());
            assertSame(model, built.model());
        }
    }

    @Test
    void theTranslatorFactoryReadsNoConfigAgain(@TempDir Path dir) throws Exception {
        Path folder = TinyModels.qwen(dir.resolve("qwen"));
        try (Model model = newModel()) {
            model.setBlock(new MoeBlockFactory().newBlock(model, folder, Map.of()));
            model.load(folder, null, Map.of("hasParameter", "false"));
            Files.delete(folder.resolve("config.json"));
            Translator<String, String> translator =
                    new MoeTranslatorFactory().newInstance(String.class, String.class, model, Map.of("max_new_tokens", 2));
            try (Predictor<String, String> predictor = model.newPredictor(translator)) {
                assertFalse(predictor.predict("Hello").isEmpty());
            }
            assertThrows(ConfigException.class,
                    () -> new MoeTranslatorFactory().newInstance(String.class, String.class, model, Map.of()),
                    "a second translator has no language model handed over and reads the folder");
        }
    }

    private static Model newModel() {
        TorchEngine.get();
        return Model.newInstance("qwen", Device.cpu(), "PyTorch");
    }
}
