package org.dualsparse.dualsparse.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.SafetensorsWriter.Shard;
import org.dualsparse.checkpoint.SafetensorsWriter;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.export.PartitionRefusedException.Reason;
import org.dualsparse.dualsparse.partition.CheckpointWeightOrder;
import org.dualsparse.dualsparse.partition.NeuronOrder;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.family.ExpertLayout;
import org.dualsparse.model.family.ModelFamily;
import org.dualsparse.model.family.ModelRegistry;

/**
 * Complete partition for post-training: rewrites a checkpoint so that each routed expert becomes
 * P experts of width I/P, each router row repeated P times, top-K·P experts per token and each
 * sub-expert's down projection multiplied by P. Under a softmax top-K router the P copies of
 * expert e each score s_e/P, so the result computes the original model exactly (up to float
 * summation order), yet is an ordinary HF checkpoint of the same family that transformers loads
 * and fine-tunes. Tensors are streamed one at a time in their own dtype.
 */
public final class CompletePartitionExporter {

    /** The routed experts of a model: {@code numExperts} of width {@code intermediateSize}, {@code topK} per token. */
    public record RoutedExperts(int numExperts, int topK, int intermediateSize) {}

    /** Files next to the weights that describe tokenization and generation, copied unchanged. */
    private static final List<String> COMPANION_FILES = List.of(
            "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "chat_template.jinja", "tokenizer.model", "vocab.json", "merges.txt", "added_tokens.json");

    private static final Gson JSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private CompletePartitionExporter() {}

    /**
     * Writes {@code model}'s checkpoint with every routed expert split into {@code parts}
     * sub-experts to the new folder {@code out}: {@code config.json} with the expert count and
     * top-K multiplied and the expert width divided by {@code parts}, the safetensors in the
     * input's file layout (shards and index when it was sharded), the tokenizer and generation
     * files, and the remote-code files {@code auto_map} names (DeepSeek). Nothing appears at
     * {@code out} unless the whole export succeeds.
     *
     * @param reconstruction the neuron order in which each expert is split: the checkpoint's,
     *     by the {@code weight} metric, or {@code profileOrder}'s
     * @param profileOrder the neuron order for {@link Reconstruction#PROFILE}, else ignored
     * @return the routed experts of the exported model
     * @throws PartitionRefusedException if the export cannot be exact, {@code out} is not a new
     *     or empty folder, or a remote-code file {@code auto_map} names is missing
     * @throws org.dualsparse.config.ConfigException if {@code config.json} is missing or invalid
     * @throws org.dualsparse.checkpoint.CheckpointException if a tensor is missing, misshapen or
     *     unexpected, or a file cannot be read or written
     */
    public static RoutedExperts export(
            Path model, Path out, int parts, Reconstruction reconstruction, NeuronOrder profileOrder) {
        if (parts < 1) {
            throw new PartitionRefusedException(Reason.INVALID_PARTS,
                    "cannot split experts into " + parts + " parts: at least 1 is needed");
        }
        if (reconstruction == Reconstruction.PROFILE && profileOrder == null) {
            throw new IllegalArgumentException("profile reconstruction needs a calibration profile");
        }
        Path target = usableOutput(model, out);
        HfConfig config = HfConfig.read(model.resolve("config.json"));
        ExpertLayout layout = layoutOf(ModelRegistry.forConfig(config), config);
        RoutedExperts experts = new RoutedExperts(
                config.requirePositiveInt(layout.keys().numExperts()),
                config.requirePositiveInt(layout.keys().topK()),
                config.requirePositiveInt(layout.keys().intermediateSize()));
        RoutedExperts split = split(experts, parts, config, layout.keys());
        List<String> remoteCode = RemoteCodeFiles.of(config, model);
        int hiddenSize = config.requirePositiveInt("hidden_size");
        List<Integer> moeLayers = IntStream.range(0, config.requirePositiveInt("num_hidden_layers"))
                .filter(layout.moeLayers())
                .boxed()
                .toList();
        try (Checkpoint checkpoint = Checkpoint.open(model)) {
            NeuronOrder order = switch (reconstruction) {
                case NONE -> null;
                case WEIGHT -> new CheckpointWeightOrder(checkpoint, layout, hiddenSize);
                case PROFILE -> profileOrder;
            };
            List<Shard> shards =
                    new PartitionedCheckpoint(checkpoint, layout, moeLayers, experts, hiddenSize, parts, order).shards();
            StagedDirectory.write(target, staging -> {
                if (checkpoint.isSharded()) {
                    SafetensorsWriter.writeShards(staging, shards);
                } else {
                    SafetensorsWriter.writeEncoded(staging.resolve(shards.get(0).fileName()), shards.get(0).tensors());
                }
                writeConfig(staging, config, layout.keys(), split, parts);
                copyCompanionFiles(model, staging);
                for (String file : remoteCode) {
                    Path copy = staging.resolve(file);
                    Files.createDirectories(copy.getParent());
                    Files.copy(model.resolve(file), copy);
                }
            });
        }
        return split;
    }

    /**
     * The expert layout {@code family} declares for {@code config}, after parsing the config as
     * the loader would.
     *
     * <p>Only {@link ExpertLayout.Gating#SOFTMAX_TOP_K} splits exactly: repeating a router row P
     * times gives each copy exactly the score {@code s/P} of a softmax over all experts. A sigmoid
     * copy keeps the whole score {@code σ(l)}; copies change the groups and their scores under
     * group-limited routing; and with {@code K = 1} the {@code K·P} copies would switch DeepSeek's
     * renormalisation on.
     *
     * @throws PartitionRefusedException if the family declares none, or a router that copies do not split exactly
     */
    public static ExpertLayout layoutOf(ModelFamily<?> family, HfConfig config) {
        family.parseConfig(config);
        ExpertLayout layout = family.expertLayout(config).orElseThrow(() -> new PartitionRefusedException(
                Reason.LAYOUT_NOT_DECLARED, config.source() + ": the " + family.modelType()
                        + " family does not declare where its routed experts live, so it cannot be partitioned"));
        if (layout.gating() != ExpertLayout.Gating.SOFTMAX_TOP_K) {
            throw new PartitionRefusedException(Reason.ROUTER_NOT_SPLITTABLE, config.source() + ": the "
                    + family.modelType() + " router is " + layout.gating() + ", not " + ExpertLayout.Gating.SOFTMAX_TOP_K
                    + ": only a softmax over all experts gives each of P copies exactly the score s/P");
        }
        return layout;
    }

    private static RoutedExperts split(RoutedExperts experts, int parts, HfConfig config, ExpertLayout.ConfigKeys keys) {
        if (experts.intermediateSize() % parts != 0) {
            throw new PartitionRefusedException(Reason.INDIVISIBLE_WIDTH, config.source() + ": "
                    + keys.intermediateSize() + " = " + experts.intermediateSize() + " is not divisible into "
                    + parts + " equal parts");
        }
        try {
            return new RoutedExperts(Math.multiplyExact(experts.numExperts(), parts),
                    Math.multiplyExact(experts.topK(), parts), experts.intermediateSize() / parts);
        } catch (ArithmeticException e) {
            throw new PartitionRefusedException(Reason.INVALID_PARTS, config.source() + ": " + keys.numExperts()
                    + " = " + experts.numExperts() + " times " + parts + " parts overflows an int");
        }
    }

    /** {@code out}, absolute, after checking that it is absent or an empty folder other than {@code model}. */
    private static Path usableOutput(Path model, Path out) {
        Path target = out.toAbsolutePath().normalize();
        if (!Files.exists(target)) {
            return target;
        }
        if (!Files.isDirectory(target)) {
            throw new PartitionRefusedException(Reason.UNUSABLE_OUTPUT, target + ": exists and is not a folder");
        }
        try {
            if (Files.exists(model) && Files.isSameFile(target, model)) {
                throw new PartitionRefusedException(Reason.UNUSABLE_OUTPUT,
                        target + ": is the model folder itself; export to a new folder");
            }
            try (Stream<Path> entries = Files.list(target)) {
                if (entries.findAny().isPresent()) {
                    throw new PartitionRefusedException(Reason.UNUSABLE_OUTPUT,
                            target + ": is not empty; export to a new or empty folder");
                }
            }
        } catch (IOException e) {
            throw new PartitionRefusedException(Reason.UNUSABLE_OUTPUT, target + ": cannot be inspected: " + e);
        }
        return target;
    }

    private static void writeConfig(Path directory, HfConfig config, ExpertLayout.ConfigKeys keys, RoutedExperts split, int parts)
            throws IOException {
        JsonObject json = config.json().deepCopy();
        json.addProperty(keys.numExperts(), split.numExperts());
        json.addProperty(keys.topK(), split.topK());
        json.addProperty(keys.intermediateSize(), split.intermediateSize());
        String shared = keys.sharedExpertCount();
        if (shared != null && config.has(shared)) {
            json.addProperty(shared, config.requireInt(shared) * parts);
        }
        Files.writeString(directory.resolve("config.json"), JSON.toJson(json) + "\n", StandardCharsets.UTF_8);
    }

    private static void copyCompanionFiles(Path model, Path directory) throws IOException {
        for (String name : COMPANION_FILES) {
            Path source = model.resolve(name);
            if (Files.isRegularFile(source)) {
                Files.copy(source, directory.resolve(name));
            }
        }
    }
}
