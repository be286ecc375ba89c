package org.dualsparse.zoo;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dualsparse.arguments.ArgumentReader;
import org.dualsparse.arguments.InvalidArgumentException;
import org.dualsparse.arguments.Range;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.onnxruntime.Quantization;
import org.dualsparse.onnxruntime.WeightFormat;

/**
 * The Criteria arguments (and {@code serving.properties} keys) that say how a checkpoint is
 * loaded: {@code backend} ({@code libtorch} or {@code onnxruntime}), {@code weights} ({@code
 * f32}, {@code int8} or {@code int4}; quantized weights imply onnxruntime), {@code quant_block}
 * (weights per quantization block, a power of two from 16 to 256, default {@value
 * Quantization#DEFAULT_BLOCK_SIZE}) and {@code quant_zero_points} ({@code true} for asymmetric
 * blocks with zero points; default symmetric) and {@code weight_cache} (where quantized weights
 * are cached: {@code auto}, next to the checkpoint, {@code none}, or a folder). They are read with the strict {@link
 * ArgumentReader}: a value of the wrong type or outside its choices is refused with an {@link
 * InvalidArgumentException} naming the key and the value.
 */
public final class LoadArguments {

    /** Criteria argument keys. */
    public static final List<String> ARGUMENTS = List.of("backend", "weights", "quant_block", "quant_zero_points", "weight_cache");

    private static final Map<String, LoadOptions.Backend> BACKENDS =
            ArgumentReader.names(LoadOptions.Backend::toString, LoadOptions.Backend.values());

    private static final Map<String, WeightFormat> WEIGHTS = ArgumentReader.names(WeightFormat::toString, WeightFormat.values());

    private LoadArguments() {}

    /**
     * The load options {@code arguments} ask for; {@link LoadOptions#defaults()} (libtorch, f32)
     * when none of {@link #ARGUMENTS} is given.
     *
     * @throws InvalidArgumentException for a value of the wrong type or not one of its choices
     * @throws IllegalArgumentException for arguments that do not go together (libtorch with
     *     quantized weights)
     */
    public static LoadOptions fromArguments(Map<String, ?> arguments) {
        ArgumentReader args = new ArgumentReader(arguments);
        LoadOptions.Backend backend = args.choice("backend", BACKENDS).orElse(null);
        WeightFormat weights = args.choice("weights", WEIGHTS).orElse(null);
        int blockSize = args.integer("quant_block", Range.closed(16, 256)).orElse(Quantization.DEFAULT_BLOCK_SIZE);
        if (Integer.bitCount(blockSize) != 1) {
            throw new InvalidArgumentException("argument quant_block = \"" + arguments.get("quant_block")
                    + "\" is not a power of two from 16 to 256");
        }
        boolean zeroPoints = args.bool("quant_zero_points").orElse(false);
        String cache = args.path("weight_cache").map(Path::toString).orElse(LoadOptions.CACHE_NEXT_TO_CHECKPOINT);
        if (cache.isBlank()) {
            throw new InvalidArgumentException("argument weight_cache = \"" + arguments.get("weight_cache")
                    + "\" is not " + LoadOptions.CACHE_NEXT_TO_CHECKPOINT + ", " + LoadOptions.NO_CACHE + " or a folder");
        }
        LoadOptions options;
        try {
            options = LoadOptions.of(backend == null ? null : backend.toString(), weights == null ? null : weights.toString(),
                    blockSize, !zeroPoints);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("arguments backend = \"" + arguments.get("backend") + "\" and weights = \""
                    + arguments.get("weights") + "\" do not go together: " + e.getMessage(), e);
        }
        return options.withWeightCache(cache);
    }
}
