package org.dualsparse.dualsparse.calibration;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.dualsparse.nn.Scalars;

/**
 * How much neuron {@code n} of an expert matters, summed over the calibration tokens routed to
 * the expert (the paper's neuron-importance metrics). The paper uses {@code abs-gate} for Mixtral
 * and OLMoE and {@code abs-gate-up} for DeepSeek; {@link #DEFAULT} is {@code abs-gate-up}, which
 * the sweep of neuron orders measured best (README "The fidelity frontier").
 */
public enum ImportanceMetric {
    /** Σ silu(x·W1ⁿ). */
    GATE("gate"),
    /** Σ |silu(x·W1ⁿ)|. */
    ABS_GATE("abs-gate"),
    /** Σ silu(x·W1ⁿ)·(x·W3ⁿ). */
    GATE_UP("gate-up"),
    /** Σ |silu(x·W1ⁿ)·(x·W3ⁿ)|. */
    ABS_GATE_UP("abs-gate-up");

    /** The metric calibration measures when none is named. */
    public static final ImportanceMetric DEFAULT = ABS_GATE_UP;

    private final String id;

    ImportanceMetric(String id) {
        this.id = id;
    }

    /** The name used on the command line and in profiles, e.g. {@code abs-gate}. */
    public String id() {
        return id;
    }

    /** The metric named {@code id}. */
    public static ImportanceMetric parse(String id) {
        for (ImportanceMetric metric : values()) {
            if (metric.id.equals(id)) {
                return metric;
            }
        }
        throw new IllegalArgumentException("unknown importance metric \"" + id + "\"; use one of "
                + Arrays.stream(values()).map(ImportanceMetric::id).collect(Collectors.joining(", ")));
    }

    /**
     * Every neuron's importance summed over the rows of pre-activation {@code gate} {@code x·W1ᵀ}
     * and {@code up} {@code x·W3ᵀ}, both {@code [n, I]}.
     *
     * @return {@code [I]}, in {@code gate}'s manager
     */
    public NDArray sum(NDArray gate, NDArray up) {
        NDArray activation = Scalars.silu(gate);
        NDArray perToken = switch (this) {
            case GATE -> activation;
            case ABS_GATE -> activation.abs();
            case GATE_UP -> activation.mul(up);
            case ABS_GATE_UP -> activation.mul(up).abs();
        };
        return perToken.sum(new int[] {0});
    }
}
