package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.dualsparse.arguments.InvalidArgumentException;
import org.dualsparse.dualsparse.DualSparseSettings.Method;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.Margin;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.junit.jupiter.api.Test;

/** The Criteria arguments (and command-line switches) read into DualSparse settings: defaults and refusals. */
class DualSparseSettingsTest {

    @Test
    void partitionAloneDropsNothing() {
        DualSparseSettings settings = DualSparseSettings.fromArguments(Map.of("partition", 2));
        assertEquals(Method.NONE, settings.method());
        assertSame(DropPolicy.NONE, settings.policy(4, 16));
        assertEquals(Method.NONE, DualSparseSettings.fromArguments(Map.of("reconstruct", "none")).method());
    }

    @Test
    void aThresholdAloneMeans2TWithTheDefaultRelativeMargin() {
        DualSparseSettings byDefault = DualSparseSettings.fromArguments(Map.of("threshold", "0.08"));
        assertEquals(Method.TWO_T, byDefault.method());
        assertEquals(DualSparseSettings.DEFAULT_MARGIN, byDefault.margin());
        ThresholdDropPolicy policy = (ThresholdDropPolicy) byDefault.policy(4, 16);
        assertEquals((float) (DualSparseSettings.DEFAULT_RELATIVE_DELTA * 0.08), policy.delta(0), 1e-7);
        DualSparseSettings atZero = DualSparseSettings.fromArguments(Map.of("method", "2t"));
        assertEquals(0, ((ThresholdDropPolicy) atZero.policy(4, 16)).delta(0), "2T at the default T = 0 drops nothing");
        assertEquals(Margin.absolute(0.02), DualSparseSettings.fromArguments(Map.of("delta", "0.02", "drop_rate", 0.2)).margin());
        assertEquals(Margin.relative(0.3), DualSparseSettings.fromArguments(Map.of("relative_delta", "0.3")).margin());
        assertEquals(Method.TWO_T, DualSparseSettings.fromArguments(Map.of("relative_delta", "0.3")).method());
        assertEquals(Margin.NONE, DualSparseSettings.fromArguments(Map.of("method", "1t", "drop_rate", 0.2)).margin());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("delta", 0.01, "relative_delta", 0.5)));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        assertThrows(InvalidArgumentException.class, () -> DualSparseSettings.fromArguments(Map.of("relative_delta", 1.5)));
    }

    @Test
    void aTargetRateIsSpreadEquallyOverTheLayersUnlessToldOtherwise() {
        assertEquals(DualSparseSettings.PerLayer.EQUAL, DualSparseSettings.fromArguments(Map.of("drop_rate", 0.2)).perLayer());
        assertEquals(DualSparseSettings.PerLayer.GLOBAL,
                DualSparseSettings.fromArguments(Map.of("drop_rate", 0.2, "per_layer", "global")).perLayer());
        assertEquals(DualSparseSettings.PerLayer.GLOBAL,
                DualSparseSettings.fromArguments(Map.of("drop_rate", 0.2, "per_layer", false)).perLayer());
    }

    @Test
    void nonIntegersAndNonBooleansAreRefusedByName() {
        IllegalArgumentException partition = assertThrows(IllegalArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("partition", "2.5")));
        assertTrue(partition.getMessage().contains("partition") && partition.getMessage().contains("2.5"), partition.getMessage());
        assertEquals(4, DualSparseSettings.fromArguments(Map.of("partition", 4.0)).parts());
        IllegalArgumentException force = assertThrows(IllegalArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("force_threshold", "yes")));
        assertTrue(force.getMessage().contains("force_threshold"), force.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("profile", "a.profile", "calibration_data", "a.txt")));
    }

    @Test
    void integersAreWholeAndEveryValueInItsRange() {
        for (Object truncated : new Object[] {"2.5", 2.5, "1e3", "4.0", "3000000000"}) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> DualSparseSettings.fromArguments(Map.of("partition", truncated)));
            assertTrue(e.getMessage().contains("partition = \"" + truncated + "\""), e.getMessage());
        }
        for (Map<String, Object> outside : List.<Map<String, Object>>of(Map.of("partition", 0), Map.of("threshold", -0.1),
                Map.of("delta", "-0.01"), Map.of("drop_rate", 1.5), Map.of("sensitivity_tokens", 0),
                Map.of("method", "ees", "beta", 1.5), Map.of("method", "top-p", "routing_top_p", 0),
                Map.of("method", "capacity", "capacity_factor", "0"))) {
            String key = outside.keySet().stream().filter(k -> !k.equals("method")).findFirst().orElseThrow();
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> DualSparseSettings.fromArguments(outside));
            assertTrue(e.getMessage().contains(key + " = \"" + outside.get(key) + "\" is not in "), e.getMessage());
        }
        InvalidArgumentException order = assertThrows(InvalidArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("reconstruct", "sideways")));
        assertTrue(order.getMessage().contains("none, weight, profile"), order.getMessage());
        assertEquals(Reconstruction.PROFILE, DualSparseSettings.fromArguments(Map.of("reconstruct", "Profile")).reconstruction());
    }

    @Test
    void defaultsAreTheNamedConstantsAndForeignKnobsAreUnset() {
        DualSparseSettings partition = DualSparseSettings.fromArguments(Map.of("method", "none"));
        assertEquals(DualSparseSettings.DEFAULT_PARTS, partition.parts());
        assertEquals(DualSparseSettings.DEFAULT_RECONSTRUCTION, partition.reconstruction());
        assertEquals(DualSparseSettings.DEFAULT_SENSITIVITY_TOKENS, partition.sensitivityTokens());
        assertTrue(Double.isNaN(partition.beta()) && Double.isNaN(partition.topP()) && Double.isNaN(partition.capacityFactor()));
        assertEquals(DualSparseSettings.DEFAULT_BETA, DualSparseSettings.fromArguments(Map.of("method", "ees")).beta());
        assertEquals(DualSparseSettings.DEFAULT_TOP_P, DualSparseSettings.fromArguments(Map.of("method", "top-p")).topP());
        assertEquals(DualSparseSettings.DEFAULT_CAPACITY_FACTOR,
                DualSparseSettings.fromArguments(Map.of("method", "capacity")).capacityFactor());
        assertTrue(Double.isNaN(DualSparseSettings.fromArguments(Map.of("method", "ees", "profile", "a.profile")).beta()),
                "EES with a profile takes its calibrated β");
    }

    @Test
    void theConstructorRefusesWhatCannotRun() {
        assertThrows(IllegalArgumentException.class, () -> new DualSparseSettings(2, Double.NaN, Method.ONE_T, 0.1, Margin.NONE,
                Reconstruction.WEIGHT, 0.5, Double.NaN, Double.NaN, false, null, null, Double.NaN,
                DualSparseSettings.PerLayer.GLOBAL, 1024));
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("partition", 4, "major_fraction", 0.3)));
        assertTrue(fraction.getMessage().contains("multiple of 1/4"), fraction.getMessage());
        IllegalArgumentException eesTarget = assertThrows(IllegalArgumentException.class,
                () -> DualSparseSettings.fromArguments(Map.of("method", "ees", "drop_rate", 0.2)));
        assertTrue(eesTarget.getMessage().contains("1t/2t"), eesTarget.getMessage());
    }

    @Test
    void aTargetRateWithoutAProfileNamesBothArgumentsThatSupplyOne() {
        DualSparseSettings settings = DualSparseSettings.fromArguments(Map.of("drop_rate", "0.2"));
        assertTrue(settings.needsProfile());
        assertNull(settings.profile());
        try (MoeLanguageModel lm = MoeLanguageModel.random(Presets.load("olmoe-tiny", 2), 5)) {
            MissingProfileException e = assertThrows(MissingProfileException.class, () -> settings.applyTo(lm));
            assertTrue(e.getMessage().contains("argument profile") && e.getMessage().contains("calibration_data"), e.getMessage());
        }
    }

    @Test
    void aBaselineKnobWithoutItsMethodIsRefusedNotIgnored() {
        for (var knob : Map.of("beta", "ees", "routing_top_p", "top-p", "capacity_factor", "capacity").entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DualSparseSettings.fromArguments(Map.of(knob.getKey(), "0.5")));
            assertTrue(e.getMessage().contains(knob.getKey()) && e.getMessage().contains("method=" + knob.getValue()), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> DualSparseSettings.fromArguments(Map.of(knob.getKey(), "0.5", "method", "1t")));
            assertEquals(knob.getValue(), DualSparseSettings.fromArguments(Map.of(knob.getKey(), "0.5", "method", knob.getValue()))
                    .method().id());
        }
    }
}
