package org.dualsparse.cli;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.LongSummaryStatistics;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.dualsparse.files.AtomicFile;
import org.dualsparse.generate.Generation;
import org.dualsparse.translate.GenerationRequest;
import org.dualsparse.zoo.MoeCriteria;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A concurrency soak: several threads generate through Predictors of shared model copies (one copy
 * per dropping method) for a given time, each output checked against a serial run of the same
 * request, while the process's memory is sampled. Exits non-zero on any wrong answer, any error, or
 * NDArrays left in the models' managers once the threads have ended.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Threads × Predictors of shared models generating for minutes; outputs checked against serial runs,"
                + " RSS and native memory sampled.")
final class BenchSoakCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder." + ShippedModel.DEFAULT)
    Path model;

    @Option(names = "--threads", defaultValue = "6", description = "Generating threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--minutes", defaultValue = "10", description = "How long to generate (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--sample-seconds", defaultValue = "30", description = "Memory sampling period (default ${DEFAULT-VALUE}).")
    int sampleSeconds;

    @Option(names = "--methods", split = ",", defaultValue = "none,2t,1t",
            description = "One model copy per method, the threads spread over them (default ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--drop-rate", defaultValue = "0.25", description = "Target drop rate of the dropping copies (default ${DEFAULT-VALUE}).")
    double dropRate;

    @Option(names = "--csv", description = "Write the memory samples here.")
    Path csv;

    @Mixin
    BackendOptions backend;

    /** One loaded model copy and the serial run's answer to every request. */
    private record Copy(String method, ZooModel<GenerationRequest, Generation> zoo, List<Generation> expected) {}

    private record Sample(double seconds, long generations, long tokens, long mismatches, long errors, long arrays, ProcessMemory memory) {}

    @Override
    public Integer call() throws Exception {
        model = ShippedModel.orDefault(model);
        if (threads < 1 || minutes <= 0 || sampleSeconds < 1 || methods.isEmpty()) {
            throw new IllegalArgumentException("--threads, --minutes and --sample-seconds must be positive, --methods not empty");
        }
        List<GenerationRequest> requests = SoakWorkload.requests();
        List<Copy> copies = new ArrayList<>();
        try {
            for (String method : methods) {
                ZooModel<GenerationRequest, Generation> zoo = load(method);
                copies.add(new Copy(method, zoo, serialRun(zoo, requests)));
                System.err.printf("loaded copy '%s' and ran its %d requests serially%n", method, requests.size());
            }
            return soak(copies, requests);
        } finally {
            copies.forEach(copy -> copy.zoo().close());
        }
    }

    private ZooModel<GenerationRequest, Generation> load(String method) throws Exception {
        Criteria.Builder<GenerationRequest, Generation> criteria = backend.addTo(MoeCriteria.builder()
                .setTypes(GenerationRequest.class, Generation.class)
                .optModelPath(model));
        if (!method.equals("none")) {
            criteria.optArgument("method", method).optArgument("drop_rate", dropRate);
        }
        return criteria.build().loadModel();
    }

    private static List<Generation> serialRun(ZooModel<GenerationRequest, Generation> zoo, List<GenerationRequest> requests)
            throws Exception {
        try (Predictor<GenerationRequest, Generation> predictor = zoo.newPredictor()) {
            List<Generation> expected = new ArrayList<>();
            for (GenerationRequest request : requests) {
                expected.add(predictor.predict(request));
            }
            return expected;
        }
    }

    private int soak(List<Copy> copies, List<GenerationRequest> requests) throws Exception {
        long arraysAtRest = arrays(copies);
        Tally tally = new Tally();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Copy copy = copies.get(t % copies.size());
            Thread worker = new Thread(worker(copy, t, requests, end, tally), "soak-" + t + "-" + copy.method());
            worker.start();
            workers.add(worker);
        }
        List<Sample> samples = new ArrayList<>();
        System.out.println("seconds\tgenerations\ttokens\tmismatches\terrors\tarrays\trss_mb\tnative_mb\theap_mb");
        while (workers.stream().anyMatch(Thread::isAlive)) {
            long now = System.nanoTime();
            Sample sample = tally.sample((now - start) / 1e9, arrays(copies));
            samples.add(sample);
            System.out.println(row(sample, "\t"));
            long next = now + sampleSeconds * 1_000_000_000L;
            for (Thread worker : workers) {
                worker.join(Math.max(1, (next - System.nanoTime()) / 1_000_000));
            }
        }
        Sample last = tally.sample((System.nanoTime() - start) / 1e9, arrays(copies));
        System.out.println(row(last, "\t") + "\t(threads ended)");
        if (csv != null) {
            StringBuilder out = new StringBuilder("seconds,generations,tokens,mismatches,errors,arrays,rss_mb,native_mb,heap_mb\n");
            samples.forEach(s -> out.append(row(s, ",")).append('\n'));
            AtomicFile.writeString(csv, out.toString());
        }
        report(samples, last, arraysAtRest, copies.size());
        if (tally.firstProblem.get() != null) {
            System.err.println("first problem: " + tally.firstProblem.get());
        }
        if (last.arrays() != arraysAtRest) {
            System.err.printf("%d NDArrays left in the model managers after the threads ended%n", last.arrays() - arraysAtRest);
        }
        return last.mismatches() == 0 && last.errors() == 0 && last.arrays() == arraysAtRest ? 0 : 1;
    }

    /** A thread's work: its Predictor cycles through the requests from {@code offset} until {@code end}, checking each answer. */
    private static Runnable worker(Copy copy, int offset, List<GenerationRequest> requests, long end, Tally tally) {
        return () -> {
            try (Predictor<GenerationRequest, Generation> predictor = copy.zoo().newPredictor()) {
                for (int i = offset; System.nanoTime() < end; i++) {
                    int r = i % requests.size();
                    Generation got = predictor.predict(requests.get(r));
                    Generation want = copy.expected().get(r);
                    if (!Arrays.equals(got.tokenIds(), want.tokenIds()) || !got.text().equals(want.text())
                            || got.finishReason() != want.finishReason()) {
                        tally.mismatches.incrementAndGet();
                        tally.firstProblem.compareAndSet(null, "copy '" + copy.method() + "' request " + r + ": got "
                                + Arrays.toString(got.tokenIds()) + ", serial run " + Arrays.toString(want.tokenIds()));
                    }
                    tally.generations.incrementAndGet();
                    tally.tokens.addAndGet(got.tokenIds().length);
                }
            } catch (Exception | Error e) {
                tally.errors.incrementAndGet();
                tally.firstProblem.compareAndSet(null, "copy '" + copy.method() + "': " + e);
            }
        };
    }

    /** What the threads have done so far, counted as they go. */
    private static final class Tally {
        final AtomicLong generations = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
        final AtomicLong mismatches = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicReference<String> firstProblem = new AtomicReference<>();

        Sample sample(double seconds, long arrays) {
            return new Sample(seconds, generations.get(), tokens.get(), mismatches.get(), errors.get(), arrays, ProcessMemory.sample());
        }
    }

    /**
     * NDArrays alive in the copies' managers, the models' weights and the steps in flight: a step
     * that leaked an array would make this grow without bound.
     */
    private static long arrays(List<Copy> copies) {
        return copies.stream().mapToLong(copy -> ((BaseNDManager) copy.zoo().getNDManager()).getManagedArrays().size()).sum();
    }

    private static String row(Sample s, String separator) {
        return String.join(separator, String.format(Locale.ROOT, "%.0f", s.seconds()), Long.toString(s.generations()),
                Long.toString(s.tokens()), Long.toString(s.mismatches()), Long.toString(s.errors()), Long.toString(s.arrays()),
                megabytes(s.memory().rssBytes()), megabytes(s.memory().nativeBytes()), megabytes(s.memory().heapBytes()));
    }

    /**
     * Totals, and memory growth over the samples taken while the threads ran, after the first fifth
     * of them (warm-up: caches, allocator pools, JIT).
     */
    private void report(List<Sample> samples, Sample end, long arraysAtRest, int copyCount) {
        Sample last = samples.get(samples.size() - 1);
        List<Sample> settled = samples.subList(samples.size() / 5, samples.size());
        Sample first = settled.get(0);
        long maxRss = samples.stream().mapToLong(s -> s.memory().rssBytes()).max().orElseThrow();
        LongSummaryStatistics arrays = settled.stream().mapToLong(Sample::arrays).summaryStatistics();
        System.out.printf(Locale.ROOT, "%d threads over %d model copies (%s) for %.1f min: %d generations, %d tokens (%.1f tok/s),"
                        + " %d mismatches against the serial runs, %d errors%n",
                threads, copyCount, String.join(", ", methods), end.seconds() / 60, end.generations(), end.tokens(),
                end.tokens() / end.seconds(), end.mismatches(), end.errors());
        System.out.printf(Locale.ROOT, "memory from %.0f s to %.0f s: RSS %s -> %s MB (%+.1f MB), native %s -> %s MB (%+.1f MB);"
                        + " peak RSS %s MB; native trend %+.1f MB/hour%n",
                first.seconds(), last.seconds(), megabytes(first.memory().rssBytes()), megabytes(last.memory().rssBytes()),
                (last.memory().rssBytes() - first.memory().rssBytes()) / 1e6, megabytes(first.memory().nativeBytes()),
                megabytes(last.memory().nativeBytes()), (last.memory().nativeBytes() - first.memory().nativeBytes()) / 1e6,
                megabytes(maxRss), slopePerHour(settled) / 1e6);
        System.out.printf(Locale.ROOT, "NDArrays alive in the model managers: %d before the threads started, %d to %d while"
                        + " generating, %d after the threads ended%n",
                arraysAtRest, arrays.getMin(), arrays.getMax(), end.arrays());
    }

    /** Least-squares slope of native bytes over time, per hour. */
    private static double slopePerHour(List<Sample> samples) {
        double meanT = samples.stream().mapToDouble(Sample::seconds).average().orElse(0);
        double meanM = samples.stream().mapToDouble(s -> s.memory().nativeBytes()).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        for (Sample s : samples) {
            covariance += (s.seconds() - meanT) * (s.memory().nativeBytes() - meanM);
            variance += (s.seconds() - meanT) * (s.seconds() - meanT);
        }
        return variance == 0 ? 0 : covariance / variance * 3600;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1e6);
    }
}
