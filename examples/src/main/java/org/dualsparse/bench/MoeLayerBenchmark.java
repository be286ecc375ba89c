package org.dualsparse.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.drop.PairDecision;
import org.dualsparse.dualsparse.drop.Scores;
import org.dualsparse.dualsparse.drop.ThresholdBisection;
import org.dualsparse.dualsparse.drop.ThresholdDropPolicy;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.dualsparse.runtime.DropRates;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseMoeBlock;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;
import org.dualsparse.model.LoadOptions;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.model.Presets;
import org.dualsparse.moe.MoeBlocks;
import org.dualsparse.moe.Routing;
import org.dualsparse.moe.SparseMoeBlock;
import org.dualsparse.onnxruntime.OrtMatrices;
import org.dualsparse.onnxruntime.WeightFormat;

/**
 * Times one MoE layer of a published model's real shapes (random weights): the dense grouped
 * block against the DualSparse block at target drop rates, all configurations interleaved in
 * one process ({@link InterleavedTrials}). Two copies of the layer are built from one seed, one
 * left dense and one partitioned, and their outputs are checked to agree before timing. The
 * hidden states come from {@link SyntheticRouting}, fitted to a trained router's {@link
 * RouterStatistics}.
 */
public final class MoeLayerBenchmark {

    private static final int FIT_TOKENS = 4096;
    private static final double MAX_RELATIVE_ERROR = 1e-3;

    /**
     * The agreement quantized layers are held to: partitioning reorders each expert's neurons, so
     * the down projection's blocks hold other weights than the dense copy's and round otherwise.
     * Measured on OLMoE's shapes: about 0.013 at int8 and 0.11 at int4; a wiring fault is of order 1.
     */
    private static final Map<WeightFormat, Double> MAX_QUANTIZED_ERROR = Map.of(WeightFormat.INT8, 0.05, WeightFormat.INT4, 0.25);

    /**
     * The benchmark's knobs; {@code routing} is the trained router's statistics to imitate, {@code
     * load} the backend and weight format both copies of the layer are built with.
     */
    public record Setup(String preset, List<Integer> tokens, List<Double> dropRates, List<String> methods,
            double delta, int parts, RouterStatistics routing, int warmUp, int repeats, long seed, LoadOptions load) {}

    /**
     * One timed configuration; dense times are of the same rounds. {@code realisedDecisionRate} is
     * the drop rate the policy decided, {@code realisedSkippedWork} the work the kernels that ran
     * skipped ({@link org.dualsparse.dualsparse.runtime.DropRates}); {@code idealSpeedup} is {@code
     * 1/(1 − realisedDecisionRate)}, the method's promise. {@code weightReadSpeedup} is
     * what a layer bound by reading expert weights could gain ({@link #weightReadSpeedup});
     * {@code arrays} and {@code denseArrays} count the arrays one forward creates, about one per
     * native call.
     */
    public record Row(String preset, int tokens, String method, double targetDropRate, double realisedDecisionRate,
            double realisedSkippedWork, double threshold, double medianMs, double p25Ms, double p75Ms, double denseMedianMs, double denseP25Ms,
            double denseP75Ms, double speedup, double idealSpeedup, double percentOfIdeal, double weightReadSpeedup,
            int arrays, int denseArrays) {}

    /**
     * The rows, the target routing statistics, those the fitted routing reached, and its σ and c;
     * {@code packedWeightBytes} is what onnxruntime packed the dense copy's weights into, -1 on
     * libtorch, which packs nothing.
     */
    public record Result(List<Row> rows, RouterStatistics target, RouterStatistics achieved, double sigma, double sharedScale,
            long packedWeightBytes) {}

    private record Config(String method, double target, double threshold, double delta) {}

    private final Setup setup;

    public MoeLayerBenchmark(Setup setup) {
        this.setup = setup;
    }

    /** Runs every configuration; returns rows in tokens × method × drop-rate order. */
    public Result run() {
        HfConfig config = layerConfig(setup.preset());
        try (MoeLanguageModel denseModel = MoeLanguageModel.random(config, setup.seed(), setup.load());
                MoeLanguageModel sparseModel = MoeLanguageModel.random(config, setup.seed(), setup.load());
                NDManager inputs = denseModel.model().getNDManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(denseModel.model().getNDManager(), false);
            SparseMoeBlock dense = MoeBlocks.of(denseModel.block()).get(0);
            int topK = dense.router().spec().topK();
            int numExperts = dense.router().spec().numExperts();
            SyntheticRouting synthetic = SyntheticRouting.fit(
                    dense.router().getParameters().get("weight").getArray(), topK, setup.routing(), FIT_TOKENS, setup.seed());
            Random random = new Random(setup.seed());
            RouterStatistics achieved = RouterStatistics.of(route(dense, ps, synthetic.hiddenStates(inputs, FIT_TOKENS, random)), numExperts);
            int sharedNeurons = dense.sharedExpert() == null ? 0 : dense.sharedExpert().intermediateSize();
            DualSparseRuntime ds = DualSparseRuntime.apply(sparseModel.block(), setup.parts(), Reconstruction.WEIGHT, null, DropPolicy.NONE);
            DualSparseMoeBlock block = ds.blocks().get(0);
            DropStats.LayerShape shape = new DropStats.LayerShape(
                    numExperts, block.experts().intermediateSize(), block.experts().majorNeurons(), sharedNeurons);
            List<Row> rows = new ArrayList<>();
            for (int n : setup.tokens()) {
                NDArray state = synthetic.hiddenStates(inputs, n, random);
                checkAgreement(dense, block, ds, ps, state, MAX_QUANTIZED_ERROR.getOrDefault(setup.load().weights(), MAX_RELATIVE_ERROR));
                Routing routing = route(dense, ps, state);
                List<Config> configs = configs(routing, shape, topK);
                DropRates[] realised = new DropRates[configs.size()];
                int[] arrays = new int[configs.size()];
                int denseArrays = arraysPerForward(dense, ps, state);
                for (int i = 0; i < configs.size(); i++) {
                    try (DualSparseRuntime.PolicyScope scope = ds.using(policy(configs.get(i), topK))) {
                        arrays[i] = arraysPerForward(block, ps, state);
                    }
                }
                List<DoubleSupplier> tasks = new ArrayList<>();
                tasks.add(() -> forwardMs(dense, ps, state));
                for (int i = 0; i < configs.size(); i++) {
                    Config c = configs.get(i);
                    int at = i;
                    tasks.add(() -> {
                        try (DualSparseRuntime.PolicyScope scope = ds.using(policy(c, topK));
                                StatsWindow window = ds.measuring()) {
                            double ms = forwardMs(block, ps, state);
                            realised[at] = window.stats().rates();
                            return ms;
                        }
                    });
                }
                double[][] ms = InterleavedTrials.run(tasks, setup.warmUp(), setup.repeats());
                Quartiles denseMs = Quartiles.of(ms[0]);
                for (int i = 0; i < configs.size(); i++) {
                    Config c = configs.get(i);
                    Quartiles q = Quartiles.of(ms[i + 1]);
                    double speedup = denseMs.median() / q.median();
                    double ideal = 1 / (1 - realised[i].decision());
                    rows.add(new Row(setup.preset(), n, c.method(), c.target(), realised[i].decision(),
                            realised[i].skippedWork(), c.threshold(), q.median(),
                            q.p25(), q.p75(), denseMs.median(), denseMs.p25(), denseMs.p75(), speedup, ideal,
                            100 * speedup / ideal, weightReadSpeedup(routing, shape, topK, c.threshold(), c.delta()),
                            arrays[i], denseArrays));
                }
            }
            long packed = denseModel.backend() instanceof OrtMatrices ort ? ort.weightBytes() : -1;
            return new Result(rows, setup.routing(), achieved, synthetic.sigma(), synthetic.sharedScale(), packed);
        }
    }

    /** One MoE layer of {@code preset}: a tiny vocabulary and no dense first layer, the layer itself unchanged. */
    private static HfConfig layerConfig(String preset) {
        HfConfig config = Presets.load(preset, 1);
        config.json().addProperty("vocab_size", 16);
        if (config.has("first_k_dense_replace")) {
            config.json().addProperty("first_k_dense_replace", 0);
        }
        return config;
    }

    private List<Config> configs(Routing routing, DropStats.LayerShape shape, int topK) {
        List<Config> configs = new ArrayList<>();
        for (String method : setup.methods()) {
            for (double target : setup.dropRates()) {
                double delta = method.equals("2t") && target > 0 ? setup.delta() : 0;
                double threshold = solve(routing, shape, topK, delta, target);
                if (!Double.isNaN(threshold)) {
                    configs.add(new Config(method, target, threshold, delta));
                }
            }
        }
        return configs;
    }

    /**
     * Guards the timing: undropped, the partitioned layer must compute what the dense one does, to
     * {@code tolerance} of the largest output.
     */
    private static void checkAgreement(SparseMoeBlock dense, DualSparseMoeBlock block, DualSparseRuntime ds, ParameterStore ps, NDArray state,
            double tolerance) {
        try (DualSparseRuntime.PolicyScope undropped = ds.using(DropPolicy.NONE);
                NDManager step = state.getManager().newSubManager()) {
            NDArray expected = dense.forward(ps, new NDList(state.get(step, new NDIndex("..."))), false, null).head();
            NDArray actual = block.forward(ps, new NDList(state.get(step, new NDIndex("..."))), false, null).head();
            double error = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
            if (!(error <= tolerance)) {
                throw new IllegalStateException("the partitioned layer disagrees with the dense one: max error "
                        + error + " of the largest output");
            }
        }
    }

    private static DropPolicy policy(Config config, int topK) {
        return ThresholdDropPolicy.global(config.threshold(), config.delta(), topK, false);
    }

    private static int arraysPerForward(SparseMoeBlock block, ParameterStore ps, NDArray state) {
        try (NDManager step = state.getManager().newSubManager()) {
            block.forward(ps, new NDList(state.get(step, new NDIndex("..."))), false, null);
            return step.getManagedArrays().size();
        }
    }

    private static double forwardMs(SparseMoeBlock block, ParameterStore ps, NDArray state) {
        try (NDManager step = state.getManager().newSubManager()) {
            NDArray x = state.get(step, new NDIndex("..."));
            long start = System.nanoTime();
            block.forward(ps, new NDList(x), false, null).head().toFloatArray();
            return Trials.msSince(start);
        }
    }

    /** The host side of {@code block}'s routing of {@code state} {@code [1, n, d]}. */
    private static Routing route(SparseMoeBlock block, ParameterStore ps, NDArray state) {
        try (NDManager step = state.getManager().newSubManager()) {
            NDArray tokens = state.get(step, new NDIndex("...")).reshape(-1, state.getShape().getLastDimension());
            return LayerRouting.copyOf(0, block.router().route(ps, tokens)).routing();
        }
    }

    /**
     * The threshold whose decision drop rate on {@code routing} is closest to {@code target} (bisection:
     * the rate grows with T), or NaN when the target is out of reach below {@code 1/K}.
     */
    static double solve(Routing routing, DropStats.LayerShape shape, int topK, double delta, double target) {
        if (target <= 0) {
            return 0;
        }
        return ThresholdBisection.solve(
                t -> dropRate(routing, shape, topK, t, delta), target, delta, Math.nextDown(1.0 / topK), 0.005);
    }

    static double dropRate(Routing routing, DropStats.LayerShape shape, int topK, double threshold, double delta) {
        byte[] decisions = decisions(routing, topK, threshold, delta);
        long major = 0;
        long dropped = 0;
        for (byte d : decisions) {
            major += d == PairDecision.MAJOR ? 1 : 0;
            dropped += d == PairDecision.DROPPED ? 1 : 0;
        }
        return shape.skippedNeurons(major, dropped) / shape.denseNeurons(routing.numTokens(), decisions.length);
    }

    /**
     * Expert weight bytes the dense layer reads over those the dropping one reads: an expert with
     * a whole pair is read whole, one with only major-only pairs its major part, one with no kept
     * pair not at all. The speedup a layer bound by reading its weights could reach.
     */
    static double weightReadSpeedup(Routing routing, DropStats.LayerShape shape, int topK, double threshold, double delta) {
        byte[] decisions = decisions(routing, topK, threshold, delta);
        boolean[] full = new boolean[shape.numExperts()];
        boolean[] major = new boolean[shape.numExperts()];
        boolean[] used = new boolean[shape.numExperts()];
        long[] experts = routing.experts();
        for (int p = 0; p < decisions.length; p++) {
            int e = (int) experts[p];
            used[e] = true;
            full[e] |= decisions[p] == PairDecision.FULL;
            major[e] |= decisions[p] == PairDecision.MAJOR;
        }
        double dense = 0;
        double read = 0;
        for (int e = 0; e < shape.numExperts(); e++) {
            dense += used[e] ? 1 : 0;
            read += full[e] ? 1 : major[e] ? (double) shape.majorNeurons() / shape.expertNeurons() : 0;
        }
        return dense / read;
    }

    private static byte[] decisions(Routing routing, int topK, double threshold, double delta) {
        float[] scores = Scores.normalised(routing);
        byte[] decisions = new byte[scores.length];
        ThresholdDropPolicy.global(threshold, delta, topK, false).decide(0, routing, scores, decisions);
        return decisions;
    }
}
