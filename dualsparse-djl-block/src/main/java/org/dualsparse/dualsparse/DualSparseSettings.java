package org.dualsparse.dualsparse;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dualsparse.model.CausalLmBlock;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Router;
import org.dualsparse.moe.SparseMoeBlock;

/**
 * The user-facing switches of the method, shared by the command line and DJL Criteria
 * arguments: how to partition, how to reorder neurons and which drop rule to run.
 *
 * @param parts sub-experts per expert
 * @param threshold {@code T} for 1T/2T
 * @param delta {@code δ} for 2T (1T uses 0)
 * @param beta EES {@code β}
 * @param topP top-p routing mass
 * @param capacityFactor capacity baseline {@code γ}
 * @param force allow {@code T ≥ 1/K}
 */
public record DualSparseSettings(
        int parts,
        Method method,
        double threshold,
        double delta,
        DualSparse.Reconstruction reconstruction,
        double beta,
        double topP,
        double capacityFactor,
        boolean force) {

    /** The drop rules, by their command-line names. */
    public enum Method {
        NONE("none"),
        ONE_T("1t"),
        TWO_T("2t"),
        EES("ees"),
        TOP_P("top-p"),
        CAPACITY("capacity");

        private final String id;

        Method(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Method parse(String id) {
            for (Method m : values()) {
                if (m.id.equals(id.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown method \"" + id + "\"; use one of none, 1t, 2t, ees, top-p, capacity");
        }
    }

    /** Criteria argument keys. */
    public static final List<String> ARGUMENTS =
            List.of("partition", "method", "threshold", "delta", "reconstruct", "beta", "routing_top_p", "capacity_factor", "force_threshold");

    /**
     * Reads the settings from DJL Criteria arguments; returns null when none of {@link
     * #ARGUMENTS} is present (the model then runs unmodified).
     */
    public static DualSparseSettings fromArguments(Map<String, ?> arguments) {
        if (ARGUMENTS.stream().noneMatch(arguments::containsKey)) {
            return null;
        }
        Method method = Method.parse(string(arguments, "method", "2t"));
        return new DualSparseSettings(
                (int) number(arguments, "partition", 2),
                method,
                number(arguments, "threshold", 0),
                number(arguments, "delta", method == Method.TWO_T ? 0.01 : 0),
                DualSparse.Reconstruction.valueOf(string(arguments, "reconstruct", "weight").toUpperCase(Locale.ROOT)),
                number(arguments, "beta", 0.5),
                number(arguments, "routing_top_p", 0.9),
                number(arguments, "capacity_factor", 1.0),
                Boolean.parseBoolean(string(arguments, "force_threshold", "false")));
    }

    /** Partitions every MoE block of {@code model} and installs the drop rule. */
    public DualSparse applyTo(CausalLmBlock model, NeuronOrder profileOrder) {
        List<SparseMoeBlock> blocks = MoeBlocks.of(model);
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("the model has no sparse-MoE layer to partition");
        }
        Router.Spec routing = blocks.get(0).router().spec();
        return DualSparse.apply(model, parts, reconstruction, profileOrder, policy(routing.topK(), routing.numExperts()));
    }

    /** The drop rule for a model routing {@code topK} of {@code numExperts} experts per token. */
    public DropPolicy policy(int topK, int numExperts) {
        return switch (method) {
            case NONE -> DropPolicy.NONE;
            case ONE_T -> ThresholdDropPolicy.global(threshold, 0, topK, force);
            case TWO_T -> ThresholdDropPolicy.global(threshold, delta, topK, force);
            case EES -> new EesDropPolicy(beta);
            case TOP_P -> new TopPDropPolicy(topP);
            case CAPACITY -> new CapacityDropPolicy(capacityFactor, numExperts);
        };
    }

    private static String string(Map<String, ?> arguments, String key, String fallback) {
        Object value = arguments.get(key);
        return value == null ? fallback : value.toString();
    }

    private static double number(Map<String, ?> arguments, String key, double fallback) {
        Object value = arguments.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("argument " + key + " = \"" + value + "\" is not a number", e);
        }
    }
}
