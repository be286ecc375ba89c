package org.dualsparse.cli;

import ai.djl.repository.zoo.Criteria;
import java.util.LinkedHashMap;
import java.util.Map;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.Quantization;
import org.dualsparse.onnxruntime.WeightFormat;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * The switches that choose how every command that runs a model loads it: the backend that
 * multiplies by the weights and the format it stores them in ({@link LoadOptions}). {@link
 * #loadOptions} reads them for a model the command loads or builds itself, {@link #addTo} hands
 * them to a Criteria as its arguments ({@code backend}, {@code weights}, {@code quant_block},
 * {@code quant_zero_points}).
 */
final class BackendOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--backend", paramLabel = "NAME", converter = BackendConverter.class,
            description = "What multiplies by the weights: libtorch or onnxruntime (default: libtorch, or onnxruntime with"
                    + " --weights int8/int4).")
    LoadOptions.Backend backend;

    @Option(names = "--weights", paramLabel = "FORMAT", converter = WeightsConverter.class,
            description = "How the weights are stored: f32, int8 or int4 (default f32; int8 and int4 run on onnxruntime).")
    WeightFormat weights;

    @Option(names = "--quant-block", paramLabel = "N", defaultValue = "" + Quantization.DEFAULT_BLOCK_SIZE,
            description = "With --weights int8/int4: weights per quantization block, a power of two from 16 to 256"
                    + " (default ${DEFAULT-VALUE}).")
    int quantBlock;

    @Option(names = "--quant-zero-points",
            description = "With --weights int8/int4: asymmetric blocks, each with its own zero point (default symmetric).")
    boolean zeroPoints;

    @Option(names = "--weight-cache", paramLabel = "auto|none|DIR", defaultValue = LoadOptions.CACHE_NEXT_TO_CHECKPOINT,
            description = "With --weights int8/int4: where the quantized weights are cached for the next load: auto (a"
                    + " .dualsparse-cache folder in the model's), none, or a folder (default ${DEFAULT-VALUE}).")
    String weightCache;

    /**
     * The load options the switches ask for.
     *
     * @throws ParameterException for switches that do not go together (libtorch with int8/int4)
     *     or a block size out of range, naming the switches and their values
     */
    LoadOptions loadOptions() {
        try {
            return LoadOptions.of(backend == null ? null : backend.toString(), weights == null ? null : weights.toString(),
                    quantBlock, !zeroPoints).withWeightCache(weightCache);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), given() + ": " + e.getMessage(), e);
        }
    }

    /** Checks the switches (see {@link #loadOptions}) and adds them to a Criteria as arguments. */
    <I, O> Criteria.Builder<I, O> addTo(Criteria.Builder<I, O> criteria) {
        arguments().forEach(criteria::optArgument);
        return criteria;
    }

    /** Checks the switches (see {@link #loadOptions}) and returns them as Criteria arguments. */
    Map<String, Object> arguments() {
        LoadOptions options = loadOptions();
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("backend", options.backend().toString());
        arguments.put("weights", options.weights().toString());
        arguments.put("quant_block", quantBlock);
        arguments.put("quant_zero_points", zeroPoints);
        arguments.put("weight_cache", weightCache);
        return arguments;
    }

    /** The backend of {@code lm} for a report: {@code backend}, and {@code weight_bytes} of onnxruntime's packed weights. */
    static Map<String, Object> report(LoadOptions options, MoeLanguageModel lm) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backend", options.toString());
        if (lm.backend() instanceof OrtMatrices ort) {
            out.put("weight_bytes", ort.weightBytes());
        }
        return out;
    }

    /** The backend of {@code lm} in words, with the bytes of onnxruntime's packed weights. */
    static String describe(LoadOptions options, MoeLanguageModel lm) {
        return lm.backend() instanceof OrtMatrices ort
                ? String.format("%s, %.1f MiB of packed weights", options, ort.weightBytes() / (1024.0 * 1024.0))
                : options.toString();
    }

    private String given() {
        return backend == LoadOptions.Backend.LIBTORCH && weights != null && weights.quantized()
                ? "--backend " + backend + " --weights " + weights
                : "--quant-block " + quantBlock;
    }

    /** Parses {@code --backend}, refusing an unknown name with the choices. */
    static final class BackendConverter implements ITypeConverter<LoadOptions.Backend> {
        @Override
        public LoadOptions.Backend convert(String value) {
            try {
                return LoadOptions.Backend.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Parses {@code --weights}, refusing an unknown format with the choices. */
    static final class WeightsConverter implements ITypeConverter<WeightFormat> {
        @Override
        public WeightFormat convert(String value) {
            try {
                return WeightFormat.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
