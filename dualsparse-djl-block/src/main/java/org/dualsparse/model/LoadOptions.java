package org.dualsparse.model;

import java.util.Locale;
import org.dualsparse.nn.MatrixBackend;
import org.dualsparse.nn.TorchMatrices;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.Quantization;
import org.dualsparse.onnxruntime.WeightFormat;

/**
 * How a checkpoint is loaded: in which dtype, by which backend the weight products run, and in
 * which format that backend stores the weights.
 *
 * @param dtype the compute dtype of the weights
 * @param backend what multiplies by the weights
 * @param weights how the backend stores them; {@link WeightFormat#F32} for libtorch
 * @param quantization the block layout of {@code int8}/{@code int4} weights
 * @param weightCache where quantized weights are cached: {@code auto} (a {@code .dualsparse-cache}
 *     folder in the checkpoint's), {@code none}, or a folder
 */
public record LoadOptions(Dtype dtype, Backend backend, WeightFormat weights, Quantization quantization, String weightCache) {

    /** {@link #weightCache()}: next to the checkpoint. */
    public static final String CACHE_NEXT_TO_CHECKPOINT = "auto";
    /** {@link #weightCache()}: quantize at every load. */
    public static final String NO_CACHE = "none";

    /** Compute dtype of a loaded model. */
    public enum Dtype {
        F32,
        BF16;

        /** Parses {@code f32} / {@code bf16}, case-insensitively. */
        public static Dtype parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown dtype \"" + name + "\"; use f32 or bf16", e);
            }
        }
    }

    /** What runs the weight products. */
    public enum Backend {
        LIBTORCH,
        ONNXRUNTIME;

        /** Parses {@code libtorch} / {@code onnxruntime}, case-insensitively. */
        public static Backend parse(String name) {
            for (Backend backend : values()) {
                if (backend.name().equalsIgnoreCase(name)) {
                    return backend;
                }
            }
            throw new IllegalArgumentException("unknown backend \"" + name + "\"; use libtorch or onnxruntime");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public LoadOptions {
        if (weightCache == null || weightCache.isBlank()) {
            throw new IllegalArgumentException("weight cache must be auto, none or a folder");
        }
        if (backend == Backend.LIBTORCH && weights != WeightFormat.F32) {
            throw new IllegalArgumentException(weights + " weights run on the onnxruntime backend only; libtorch multiplies f32");
        }
        if (weights.quantized() && quantization.bits() != weights.bits()) {
            throw new IllegalArgumentException(
                    weights + " weights need " + weights.bits() + "-bit quantization, not " + quantization.bits());
        }
    }

    public LoadOptions(Dtype dtype) {
        this(dtype, Backend.LIBTORCH, WeightFormat.F32, Quantization.of(WeightFormat.F32, Quantization.DEFAULT_BLOCK_SIZE, true),
                CACHE_NEXT_TO_CHECKPOINT);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(Dtype.F32);
    }

    /**
     * The options a user's switches ask for; either may be null for its default. Quantized
     * weights imply onnxruntime; an explicit libtorch with them is refused.
     *
     * @param blockSize weights per quantization block
     * @param symmetric whether blocks have no zero point of their own
     */
    public static LoadOptions of(String backend, String weights, int blockSize, boolean symmetric) {
        WeightFormat format = weights == null ? WeightFormat.F32 : WeightFormat.parse(weights);
        Backend chosen = backend != null
                ? Backend.parse(backend)
                : format.quantized() ? Backend.ONNXRUNTIME : Backend.LIBTORCH;
        return new LoadOptions(Dtype.F32, chosen, format, Quantization.of(format, blockSize, symmetric), CACHE_NEXT_TO_CHECKPOINT);
    }

    /** These options with quantized weights cached in {@code cache}: {@code auto}, {@code none} or a folder. */
    public LoadOptions withWeightCache(String cache) {
        return new LoadOptions(dtype, backend, weights, quantization, cache);
    }

    /** These options with compute dtype {@code dtype}. */
    public LoadOptions withDtype(Dtype dtype) {
        return new LoadOptions(dtype, backend, weights, quantization, weightCache);
    }

    /** Whether a load with these options reads or writes a weight cache: quantized weights, unless {@code none}. */
    public boolean cachesWeights() {
        return weights.quantized() && !NO_CACHE.equals(weightCache);
    }

    /** A fresh backend for one model: it counts the bytes of the weights it packs. */
    public MatrixBackend matrixBackend() {
        return backend == Backend.LIBTORCH
                ? TorchMatrices.BACKEND
                : new OrtMatrices(weights, quantization, OrtMatrices.INT8_COMPUTE);
    }

    @Override
    public String toString() {
        return backend == Backend.LIBTORCH ? "libtorch f32" : matrixBackend().toString();
    }
}
