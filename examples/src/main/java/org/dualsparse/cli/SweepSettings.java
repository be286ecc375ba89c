package org.dualsparse.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.DualSparseSettings.PerLayer;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.partition.Partition;

/**
 * A sweep's axes and the settings they give. Each axis left out holds the value a user gets by
 * default (read through {@link DualSparseSettings#fromArguments}, so with the same checks); the
 * settings are the product of the axes that apply to each method. Settings that need the model
 * partitioned differently ({@code P}, major fraction, neuron order) are grouped by partitioning:
 * the model is loaded once for each.
 */
final class SweepSettings {

    private final List<Method> methods;
    private final List<SweepSetting> partitionings;
    private final List<Margin> margins;
    private final List<PerLayer> perLayer;
    private final SweepSetting.Varying varying;

    private SweepSettings(List<Method> methods, List<SweepSetting> partitionings, List<Margin> margins, List<PerLayer> perLayer,
            SweepSetting.Varying varying) {
        this.methods = methods;
        this.partitionings = partitionings;
        this.margins = margins;
        this.perLayer = perLayer;
        this.varying = varying;
    }

    /**
     * The axes as the command line gives them; a null list is the default's single value. The
     * margins are the fixed {@code deltas} and the relative {@code relativeDeltas} together.
     */
    static SweepSettings of(List<String> methodIds, List<Integer> partitions, List<Double> majorFractions,
            List<String> reconstructions, List<Double> deltas, List<Double> relativeDeltas, List<String> perLayerIds) {
        List<Method> methods = new ArrayList<>(new LinkedHashSet<>(methodIds.stream().map(Method::parse).toList()));
        if (methods.contains(Method.NONE)) {
            throw new IllegalArgumentException("--methods lists drop methods; the undropped model is drop rate 0");
        }
        DualSparseSettings defaults = DualSparseSettings.fromArguments(Map.of("method", "2t", "drop_rate", 0.0));
        List<Integer> ps = distinct(partitions, defaults.parts());
        List<Double> fractions = majorFractions == null ? null : distinct(majorFractions, 0.5);
        List<String> orders = distinct(reconstructions, defaults.reconstruction().name().toLowerCase(Locale.ROOT));
        for (String order : orders) {
            if (!Set.of("none", "weight", "profile").contains(order)) {
                ImportanceMetric.parse(order);
            }
        }
        List<SweepSetting> partitionings = new ArrayList<>();
        Set<Partition> splits = new LinkedHashSet<>();
        for (int p : ps) {
            if (fractions == null) {
                splits.add(Partition.halves(p));
            }
        }
        // A product of P and fractions keeps the pairs that split whole sub-experts; a fraction none of them splits is refused.
        for (double f : fractions == null ? List.<Double>of() : fractions) {
            IllegalArgumentException refused = null;
            int fitting = 0;
            for (int p : ps) {
                try {
                    splits.add(Partition.of(p, f));
                    fitting++;
                } catch (IllegalArgumentException e) {
                    refused = e;
                }
            }
            if (fitting == 0) {
                throw refused;
            }
        }
        for (Partition split : splits) {
            for (String order : orders) {
                partitionings.add(new SweepSetting(Method.TWO_T, split, order, Margin.NONE, defaults.perLayer()));
            }
        }
        if (!methods.contains(Method.TWO_T)) {
            // Only 2T depends on the split and order: one model serves every other method.
            partitionings = partitionings.subList(0, 1);
        }
        List<Margin> ms = new ArrayList<>();
        (deltas == null ? List.<Double>of() : deltas).forEach(d -> ms.add(Margin.absolute(d)));
        (relativeDeltas == null ? List.<Double>of() : relativeDeltas).forEach(r -> ms.add(Margin.relative(r)));
        if (ms.isEmpty()) {
            ms.add(defaults.margin());
        }
        List<Margin> distinctMargins = List.copyOf(new LinkedHashSet<>(ms));
        Map<String, PerLayer> names = new LinkedHashMap<>();
        for (PerLayer split : PerLayer.values()) {
            names.put(split.id(), split);
        }
        names.put("global", PerLayer.GLOBAL);
        List<PerLayer> splitsPerLayer = distinct(perLayerIds, null).stream().map(id -> {
            if (id == null) {
                return defaults.perLayer();
            }
            PerLayer split = names.get(id);
            if (split == null) {
                throw new IllegalArgumentException("unknown --per-layer " + id + "; use global, equal or sensitivity");
            }
            return split;
        }).distinct().toList();
        SweepSetting.Varying varying = new SweepSetting.Varying(splits.size() > 1, orders.size() > 1, distinctMargins.size() > 1,
                splitsPerLayer.size() > 1);
        return new SweepSettings(methods, List.copyOf(partitionings), distinctMargins, splitsPerLayer, varying);
    }

    /** The partitionings, each with a model of its own; the first also runs what does not depend on partitioning. */
    List<SweepSetting> partitionings() {
        return partitionings;
    }

    /**
     * The settings evaluated on {@code partitioning}'s model: 2T in every margin and per-layer
     * split, and on the first partitioning 1T in every per-layer split and the baselines.
     */
    List<SweepSetting> on(SweepSetting partitioning, boolean first) {
        List<SweepSetting> out = new ArrayList<>();
        for (Method method : methods) {
            if (method == Method.TWO_T) {
                for (Margin margin : margins) {
                    for (PerLayer split : perLayer) {
                        out.add(new SweepSetting(method, partitioning.partition(), partitioning.reconstruction(), margin, split));
                    }
                }
            } else if (first) {
                List<PerLayer> splits = method == Method.ONE_T ? perLayer : List.of(PerLayer.GLOBAL);
                for (PerLayer split : splits) {
                    out.add(new SweepSetting(method, partitioning.partition(), partitioning.reconstruction(), Margin.NONE, split));
                }
            }
        }
        return out;
    }

    SweepSetting.Varying varying() {
        return varying;
    }

    /** Whether a baseline is swept: its knobs are solved on recorded routings. */
    boolean hasBaseline() {
        return methods.stream().anyMatch(SweepPolicies::replayed);
    }

    /** Whether a neuron order is {@code profile}, the given profile's. */
    boolean usesProfileOrder() {
        return methods.contains(Method.TWO_T) && partitionings.stream().anyMatch(p -> p.reconstruction().equals("profile"));
    }

    /** Whether a neuron order is measured on calibration text. */
    boolean measuresOrders() {
        return methods.contains(Method.TWO_T) && partitionings.stream().anyMatch(p -> p.metric() != null);
    }

    private static <T> List<T> distinct(List<T> given, T fallback) {
        if (given == null || given.isEmpty()) {
            List<T> single = new ArrayList<>();
            single.add(fallback);
            return single;
        }
        return new ArrayList<>(new LinkedHashSet<>(given));
    }
}
