package org.dualsparse.bench.kernels;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * JMH's annotation processor wrote {@code META-INF/BenchmarkList} (what {@code bench kernels}
 * runs from) with every kernel benchmark, and each one has its figures derived.
 */
class BenchmarkListTest {

    @Test
    void listsEveryKernelBenchmarkAndEachHasFigures() {
        Set<BenchmarkListEntry> entries = BenchmarkList.defaultList().getAll(
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.SILENT), List.of());
        Set<String> names = new TreeSet<>();
        for (BenchmarkListEntry entry : entries) {
            String name = KernelFigures.shortName(entry.getUsername());
            names.add(name);
            Map<String, String> defaults = new HashMap<>();
            entry.getParams().orElse(Map.of()).forEach((param, values) -> defaults.put(param, values[0]));
            assertDoesNotThrow(() -> KernelFigures.work(name, defaults), name);
        }
        assertEquals(new TreeSet<>(List.of("CallOverhead.add", "CallOverhead.subManager", "CallOverhead.view",
                "CallOverhead.viewBuiltIndex", "ExpertGemm.expert", "ExpertGemm.gateUp", "GemmPeak.matMul",
                "HalfWeights.gateUp", "MemoryBandwidth.sum", "WeightProduct.call", "WeightProduct.gateUp")), names);
    }
}
