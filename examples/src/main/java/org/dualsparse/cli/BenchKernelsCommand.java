package org.dualsparse.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.dualsparse.bench.kernels.KernelFigures;
import org.dualsparse.files.AtomicFile;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench kernels}: the JMH micro-kernel benchmarks of {@code org.dualsparse.bench.kernels}, with derived figures. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = {"Micro-kernel benchmarks under JMH: expert GEMMs in both orientations, the GEMM peak, memory "
                + "bandwidth, per-call JNI overhead and 16-bit weights; one forked JVM per benchmark and parameter set.",
            "JMH's progress goes to stderr; the table of figures to stdout."})
final class BenchKernelsCommand implements Callable<Integer> {

    /** Iteration counts and times of a run. */
    private record Iterations(int warmUp, int warmUpMs, int measured, int measuredMs) {}

    private static final Iterations DEFAULT = new Iterations(2, 1000, 5, 1000);
    private static final Iterations QUICK = new Iterations(1, 400, 3, 300);
    /** The parameter grid of --quick, where the user sets no values of their own. */
    private static final Map<String, String> QUICK_PARAMS = Map.of("rows", "1,16,128");

    @Option(names = "--include", defaultValue = ".*", paramLabel = "REGEX",
            description = "Run the benchmarks whose name (e.g. ExpertGemm.expert, CallOverhead.add) contains a match (default: all).")
    String include;

    @Option(names = "--param", paramLabel = "NAME=V1,V2",
            description = "Parameter values for every selected benchmark that has the parameter, instead of its own, "
                    + "e.g. --param rows=1,16 --param threads=1 (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--quick", description = "Short iterations (1 × 400 ms warm-up, 3 × 300 ms measured) and rows=1,16,128: about 2 minutes.")
    boolean quick;

    @Option(names = "--warm-up", description = "Warm-up iterations per benchmark (default 2; --quick 1).")
    Integer warmUp;

    @Option(names = "--warm-up-ms", description = "Milliseconds per warm-up iteration (default 1000; --quick 400).")
    Integer warmUpMs;

    @Option(names = "--iterations", description = "Measured iterations per benchmark (default 5; --quick 3).")
    Integer iterations;

    @Option(names = "--iteration-ms", description = "Milliseconds per measured iteration (default 1000; --quick 300).")
    Integer iterationMs;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures to this JSON file.")
    Path json;

    @Override
    public Integer call() throws IOException {
        SortedSet<BenchmarkListEntry> selected = select();
        Map<String, String> grid = parameterGrid(selected);
        Iterations it = iterations();
        Path jsonFolder = json == null ? null : json.toAbsolutePath().getParent();
        if (jsonFolder != null && !Files.isDirectory(jsonFolder)) {
            throw new IllegalArgumentException("--json " + json + ": folder " + jsonFolder + " does not exist");
        }
        ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(1)
                .warmupForks(0)
                // Weights and arrays are native; the forked JVM needs little heap whatever the host was given.
                .jvmArgsAppend("-Xmx1g")
                .warmupIterations(it.warmUp())
                .warmupTime(TimeValue.milliseconds(it.warmUpMs()))
                .measurementIterations(it.measured())
                .measurementTime(TimeValue.milliseconds(it.measuredMs()))
                .shouldFailOnError(true);
        for (BenchmarkListEntry entry : selected) {
            options.include("^" + Pattern.quote(entry.getUsername()) + "$");
        }
        grid.forEach((name, values) -> options.param(name, values.split(",")));
        OutputFormat progress = OutputFormatFactory.createFormatInstance(
                new PrintStream(System.err, true, StandardCharsets.UTF_8), VerboseMode.NORMAL);
        Collection<RunResult> results;
        try {
            results = new Runner(options.build(), progress).run();
        } catch (RunnerException e) {
            throw new IllegalStateException("a kernel benchmark failed: " + failure(e), e);
        }
        List<KernelFigures.Row> rows = KernelFigures.of(measurements(results));
        printTable(rows, it);
        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("iterations", it);
            out.put("rows", rows);
            AtomicFile.writeString(json, new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create().toJson(out));
        }
        return 0;
    }

    /** The benchmarks whose short name matches {@code --include}. */
    private SortedSet<BenchmarkListEntry> select() {
        Pattern pattern;
        try {
            pattern = Pattern.compile(include);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--include is not a regular expression: " + e.getDescription());
        }
        Set<BenchmarkListEntry> all = BenchmarkList.defaultList().getAll(
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.SILENT), List.of());
        SortedSet<BenchmarkListEntry> selected = new TreeSet<>();
        SortedSet<String> names = new TreeSet<>();
        for (BenchmarkListEntry entry : all) {
            String name = KernelFigures.shortName(entry.getUsername());
            names.add(name);
            if (pattern.matcher(name).find()) {
                selected.add(entry);
            }
        }
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("--include " + include + " matches no benchmark; they are: " + String.join(", ", names));
        }
        return selected;
    }

    /** {@code --param}, checked against the selected benchmarks' parameters, plus --quick's grid where not overridden. */
    private Map<String, String> parameterGrid(SortedSet<BenchmarkListEntry> selected) {
        Set<String> known = new TreeSet<>();
        for (BenchmarkListEntry entry : selected) {
            entry.getParams().orElse(Map.of()).keySet().forEach(known::add);
        }
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (!known.contains(p.getKey())) {
                throw new IllegalArgumentException("--param " + p.getKey() + ": no selected benchmark has that parameter; theirs are "
                        + String.join(", ", known));
            }
            if (p.getValue().isBlank() || p.getValue().startsWith(",") || p.getValue().endsWith(",")) {
                throw new IllegalArgumentException("--param " + p.getKey() + " needs comma-separated values, got '" + p.getValue() + "'");
            }
        }
        Map<String, String> grid = new LinkedHashMap<>();
        if (quick) {
            QUICK_PARAMS.forEach((name, values) -> {
                if (known.contains(name)) {
                    grid.put(name, values);
                }
            });
        }
        grid.putAll(params);
        return grid;
    }

    private Iterations iterations() {
        Iterations preset = quick ? QUICK : DEFAULT;
        Iterations it = new Iterations(
                warmUp != null ? warmUp : preset.warmUp(),
                warmUpMs != null ? warmUpMs : preset.warmUpMs(),
                iterations != null ? iterations : preset.measured(),
                iterationMs != null ? iterationMs : preset.measuredMs());
        if (it.warmUp() < 0 || it.measured() < 1 || it.warmUpMs() < 1 || it.measuredMs() < 1) {
            throw new IllegalArgumentException("need at least 1 measured iteration, no negative warm-up and positive times: " + it);
        }
        return it;
    }

    private static List<KernelFigures.Measurement> measurements(Collection<RunResult> results) {
        List<KernelFigures.Measurement> measurements = new ArrayList<>();
        for (RunResult result : results) {
            BenchmarkParams p = result.getParams();
            Map<String, String> values = new LinkedHashMap<>();
            for (Object key : p.getParamsKeys()) {
                values.put((String) key, p.getParam((String) key));
            }
            Statistics perIteration = result.getPrimaryResult().getStatistics();
            measurements.add(KernelFigures.Measurement.of(p.getBenchmark(), values,
                    perIteration.getMean(), perIteration.getMin(), perIteration.getMax(), p.getTimeUnit()));
        }
        return measurements;
    }

    private static void printTable(List<KernelFigures.Row> rows, Iterations it) {
        System.out.printf("JMH: 1 fork, %d × %d ms warm-up, %d × %d ms measured; ms/op is the mean (fastest–slowest iteration)%n",
                it.warmUp(), it.warmUpMs(), it.measured(), it.measuredMs());
        System.out.println("| benchmark | params | ms/op | GFLOP/s | GB/s read | % of GEMM peak | % of bandwidth | µs/call |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (KernelFigures.Row r : rows) {
            String params = r.params().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
            System.out.printf("| %s | %s | %s (%s–%s) | %s | %s | %s | %s | %s |%n", r.benchmark(), params,
                    significant(r.msPerOp()), significant(r.msMin()), significant(r.msMax()),
                    fixed(r.gflops(), 1), fixed(r.gbPerSecond(), 1), fixed(r.percentOfPeak(), 0),
                    fixed(r.percentOfBandwidth(), 0), fixed(r.usPerCall(), 2));
        }
    }

    /** Three significant digits, so that µs-scale and 100 ms-scale times read alike. */
    private static String significant(double value) {
        int decimals = Math.max(0, 2 - (int) Math.floor(Math.log10(Math.max(Math.abs(value), 1e-9))));
        return String.format("%." + decimals + "f", value);
    }

    private static String fixed(Double value, int decimals) {
        return value == null ? "–" : String.format("%." + decimals + "f", value);
    }

    /** What went wrong in the forked VM: JMH carries the benchmark's exceptions as suppressed ones of its own. */
    private static String failure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getSuppressed().length > 0) {
                return describe(t.getSuppressed()[0]);
            }
        }
        return describe(e);
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() != null ? ": " + root.getMessage() : "");
    }
}
