package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.Presets;
import org.dualsparse.model.RandomCheckpoint;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a checkpoint with random weights, from a preset or any {@code config.json}. */
@Command(name = "random-checkpoint", mixinStandardHelpOptions = true,
        description = "Write a HF checkpoint folder with random weights (tests, benchmarks, demos).")
final class RandomCheckpointCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--preset", description = "One of: mixtral-tiny, olmoe-tiny, qwen2-moe-tiny, qwen3-moe-tiny, deepseek-moe-tiny, deepseek-v2-tiny,"
                + " olmoe-1b-7b, mixtral-8x7b, qwen3-moe-30b-a3b, deepseek-moe-16b, deepseek-v2-lite.")
        String preset;

        @Option(names = "--config", description = "A config.json to build from.")
        Path config;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--out", required = true, description = "Folder to create.")
    Path out;

    @Option(names = "--layers", defaultValue = "0", description = "Override num_hidden_layers (0 keeps the config's).")
    int layers;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "f32", description = "Stored dtype: f32, bf16 or f16 (default ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() {
        HfConfig config = source.preset != null ? Presets.load(source.preset, layers) : HfConfig.read(source.config);
        if (source.config != null && layers > 0) {
            config.json().addProperty("num_hidden_layers", layers);
        }
        RandomCheckpoint.write(config, out, seed, DType.valueOf(dtype.toUpperCase(Locale.ROOT)));
        System.out.println("wrote " + out.resolve("model.safetensors"));
        return 0;
    }
}
