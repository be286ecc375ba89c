package org.dualsparse.cli;

import java.util.Map;
import org.dualsparse.bench.MoeLayerBenchmark;
import org.dualsparse.config.HfConfig;
import org.dualsparse.model.Presets;

/** The MoE layers {@code bench moe} and {@code sweep --speed} time, by short name: published models' and the shipped one's. */
final class LayerShapes {

    /** The shipped model's shapes. */
    static final String SHIPPED = "kjv-moe";

    private static final Map<String, String> PRESETS = Map.of(
            "olmoe", "olmoe-1b-7b",
            "mixtral", "mixtral-8x7b",
            "deepseek-v2-lite", "deepseek-v2-lite",
            "qwen3-moe", "qwen3-moe-30b-a3b");

    /** The names, for option descriptions. */
    static final String NAMES = "olmoe, mixtral, deepseek-v2-lite, qwen3-moe or " + SHIPPED + " (the shipped model)";

    private LayerShapes() {}

    /** A layer's short name and its one-MoE-layer config. */
    record Named(String name, HfConfig layer) {}

    /** {@link #layer} under its name. */
    static Named named(String name) {
        return new Named(name, layer(name));
    }

    /** A one-MoE-layer config of {@code name}'s shapes. */
    static HfConfig layer(String name) {
        if (name.equals(SHIPPED)) {
            return MoeLayerBenchmark.layerConfig(HfConfig.read(ShippedModel.orDefault(null).resolve("config.json")));
        }
        String preset = PRESETS.get(name);
        if (preset == null) {
            throw new IllegalArgumentException("unknown layer shapes \"" + name + "\"; use " + NAMES);
        }
        return MoeLayerBenchmark.layerConfig(Presets.load(preset, 1));
    }
}
