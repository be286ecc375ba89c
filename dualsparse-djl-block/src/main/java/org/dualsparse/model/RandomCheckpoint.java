package org.dualsparse.model;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsWriter;
import org.dualsparse.config.HfConfig;
import org.dualsparse.files.AtomicFile;
import org.dualsparse.model.family.FamilyConfig;
import org.dualsparse.model.family.ModelFamily;
import org.dualsparse.model.family.ModelRegistry;
import org.dualsparse.nn.TorchEngine;
import org.dualsparse.nn.WeightSource;

/** Writes a HF checkpoint folder with random weights for a given {@code config.json}. */
public final class RandomCheckpoint {

    private RandomCheckpoint() {}

    /**
     * Creates {@code dir} holding {@code config.json} and {@code model.safetensors} with weights
     * of every tensor the config's family loads.
     */
    public static void write(HfConfig config, Path dir, long seed, DType dtype) {
        ModelFamily<?> family = ModelRegistry.forConfig(config);
        TorchEngine.get();
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            RandomWeights weights = RandomWeights.forWriting(manager, seed);
            buildInto(family, config, weights);
            Files.createDirectories(dir);
            SafetensorsWriter.writeEncoded(dir.resolve("model.safetensors"), weights.tensors(dtype));
            // Nulls are kept: for some keys (DeepSeek-V2's q_lora_rank) null and absent mean different things.
            String json = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config.json());
            AtomicFile.writeString(dir.resolve("config.json"), json + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write random checkpoint to " + dir, e);
        }
    }

    private static <C extends FamilyConfig> void buildInto(ModelFamily<C> family, HfConfig config, WeightSource weights) {
        family.build(family.parseConfig(config), weights);
    }
}
