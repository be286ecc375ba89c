package org.dualsparse.dualsparse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.MissingTensorException;
import org.dualsparse.checkpoint.ShapeMismatchException;
import org.dualsparse.checkpoint.UnexpectedTensorException;
import org.dualsparse.config.HfConfig;
import org.dualsparse.decoder.CausalLmBlock;
import org.dualsparse.dualsparse.export.CompletePartitionExporter;
import org.dualsparse.dualsparse.export.PartitionRefusedException.Reason;
import org.dualsparse.dualsparse.export.PartitionRefusedException;
import org.dualsparse.dualsparse.partition.Reconstruction;
import org.dualsparse.model.family.ExpertLayout;
import org.dualsparse.model.family.FamilyConfig;
import org.dualsparse.model.family.ModelFamily;
import org.dualsparse.moe.ExpertWeights;
import org.dualsparse.nn.WeightSource;
import org.dualsparse.reference.ReferenceCheckpoints;
import org.dualsparse.reference.ReferenceWeights;
import org.dualsparse.reference.TinyConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every export that cannot be exact, or cannot be written safely, is refused by a typed error naming the cause, and leaves no output. */
class CompletePartitionRefusalTest {

    private static final String EXPERTS = "model.layers.0.block_sparse_moe.experts.";

    @TempDir
    Path dir;

    /** The tiny Mixtral: 4 experts of width 24, top-2. */
    private Path mixtral(DType dtype, Map<String, float[]> weights) throws IOException {
        Path model = dir.resolve("model");
        ReferenceCheckpoints.write(model, TinyConfigs.mixtral(), weights, dtype, false);
        return model;
    }

    private Path mixtral(DType dtype) throws IOException {
        return mixtral(dtype, ReferenceWeights.random(TinyConfigs.mixtral(), 1));
    }

    @Test
    void fewerThanOnePart() throws IOException {
        Path model = mixtral(DType.F32);
        for (int parts : new int[] {0, -2}) {
            PartitionRefusedException e = refused(model, parts);
            assertEquals(Reason.INVALID_PARTS, e.reason());
            assertTrue(e.getMessage().contains(String.valueOf(parts)), e.getMessage());
        }
    }

    @Test
    void widthNotDivisibleByTheParts() throws IOException {
        PartitionRefusedException e = refused(mixtral(DType.F32), 5);
        assertEquals(Reason.INDIVISIBLE_WIDTH, e.reason());
        assertTrue(e.getMessage().contains("config.json: intermediate_size = 24"), e.getMessage());
    }

    @Test
    void outputThatIsTheModelANonEmptyFolderOrAFile() throws IOException {
        Path model = mixtral(DType.F32);
        Path nonEmpty = Files.createDirectories(dir.resolve("busy"));
        Files.writeString(nonEmpty.resolve("notes.txt"), "keep");
        Path file = Files.writeString(dir.resolve("file"), "x");
        for (Path out : List.of(model, model.resolve("."), nonEmpty, file)) {
            PartitionRefusedException e = assertThrows(PartitionRefusedException.class,
                    () -> CompletePartitionExporter.export(model, out, 2, Reconstruction.NONE, null));
            assertEquals(Reason.UNUSABLE_OUTPUT, e.reason());
            assertTrue(e.getMessage().startsWith(out.toAbsolutePath().normalize().toString()), e.getMessage());
        }
        assertEquals(List.of("notes.txt"), fileNames(nonEmpty));
        assertEquals("x", Files.readString(file));
    }

    @Test
    void anEmptyOutputFolderIsFilled() throws IOException {
        Path out = Files.createDirectories(dir.resolve("empty"));
        CompletePartitionExporter.export(mixtral(DType.F32), out, 2, Reconstruction.NONE, null);
        assertEquals(List.of("config.json", "model.safetensors"), fileNames(out));
    }

    /** DeepSeek checkpoints load only with their remote code, so an export without it would be unusable. */
    @Test
    void remoteCodeThatAutoMapNamesIsMissing() throws IOException {
        Path model = dir.resolve("model");
        JsonObject config = TinyConfigs.deepseekMoe();
        ReferenceCheckpoints.write(model, config, ReferenceWeights.random(config, 1), DType.F32, false);
        JsonObject withRemoteCode = HfConfig.read(model.resolve("config.json")).json();
        withRemoteCode.add("auto_map", JsonParser.parseString("""
                {"AutoConfig": "configuration_deepseek.DeepseekConfig",
                 "AutoModelForCausalLM": "modeling_deepseek.DeepseekForCausalLM"}""").getAsJsonObject());
        Files.writeString(model.resolve("config.json"), withRemoteCode.toString());
        Files.writeString(model.resolve("configuration_deepseek.py"), "# config class\n");
        PartitionRefusedException e = refused(model, 2);
        assertEquals(Reason.MISSING_REMOTE_CODE, e.reason());
        assertTrue(e.getMessage().contains("auto_map.AutoModelForCausalLM") && e.getMessage().contains("modeling_deepseek.py"),
                e.getMessage());
        assertNothingWritten();
    }

    /** 3 × a BF16 weight needs one more mantissa bit than BF16 has. */
    @Test
    void sixteenBitDownProjectionsAndAPartCountThatIsNotAPowerOfTwo() throws IOException {
        PartitionRefusedException e = refused(mixtral(DType.BF16), 3);
        assertEquals(Reason.INEXACT_IN_DTYPE, e.reason());
        assertTrue(e.getMessage().contains("w2.weight' is BF16"), e.getMessage());
        assertNothingWritten();
    }

    @Test
    void downProjectionsThatOverflowTheirDtypeOnceScaled() throws IOException {
        Map<String, float[]> weights = ReferenceWeights.random(TinyConfigs.mixtral(), 1);
        weights.get(EXPERTS + "2.w2.weight")[7] = 20000f;
        PartitionRefusedException e = refused(mixtral(DType.F16, weights), 4);
        assertEquals(Reason.INEXACT_IN_DTYPE, e.reason());
        assertTrue(e.getMessage().contains("'" + EXPERTS + "2.w2.weight' holds 20000.0, which overflows F16"), e.getMessage());
        assertNothingWritten();
    }

    @Test
    void aFamilyThatDoesNotDeclareItsExperts() {
        PartitionRefusedException e = assertThrows(PartitionRefusedException.class,
                () -> CompletePartitionExporter.layoutOf(family("deepseek_v2", Optional.empty()), config()));
        assertEquals(Reason.LAYOUT_NOT_DECLARED, e.reason());
        assertTrue(e.getMessage().contains("the deepseek_v2 family does not declare"), e.getMessage());
    }

    @Test
    void routersWhoseCopiesDoNotSplitTheScore() {
        for (ExpertLayout.Gating gating : List.of(ExpertLayout.Gating.SIGMOID_TOP_K, ExpertLayout.Gating.GROUP_LIMITED_TOP_K)) {
            ExpertLayout layout = new ExpertLayout(new ExpertLayout.ConfigKeys("n_routed_experts", "num_experts_per_tok",
                    "moe_intermediate_size"), "mlp", ExpertWeights.Names.HF, layer -> layer > 0, gating);
            PartitionRefusedException e = assertThrows(PartitionRefusedException.class,
                    () -> CompletePartitionExporter.layoutOf(family("deepseek_v3", Optional.of(layout)), config()));
            assertEquals(Reason.ROUTER_NOT_SPLITTABLE, e.reason());
            assertTrue(e.getMessage().contains("the deepseek_v3 router is " + gating), e.getMessage());
        }
    }

    @Test
    void missingMisshapenAndExtraExpertTensors() throws IOException {
        Map<String, float[]> weights = ReferenceWeights.random(TinyConfigs.mixtral(), 1);
        weights.remove(EXPERTS + "1.w3.weight");
        MissingTensorException missing = assertThrows(MissingTensorException.class,
                () -> CompletePartitionExporter.export(mixtral(DType.F32, weights), dir.resolve("out"), 2, Reconstruction.NONE, null));
        assertEquals(EXPERTS + "1.w3.weight", missing.tensorName());

        Map<String, float[]> extra = ReferenceWeights.random(TinyConfigs.mixtral(), 1);
        extra.put(EXPERTS + "4.w1.weight", new float[3]);
        UnexpectedTensorException unexpected = assertThrows(UnexpectedTensorException.class,
                () -> CompletePartitionExporter.export(mixtral(DType.F32, extra), dir.resolve("out"), 2, Reconstruction.NONE, null));
        assertEquals(List.of(EXPERTS + "4.w1.weight"), unexpected.tensorNames());

        Path model = mixtral(DType.F32);
        JsonObject narrower = TinyConfigs.mixtral();
        narrower.addProperty("intermediate_size", 12);
        Files.writeString(model.resolve("config.json"), narrower.toString(), StandardCharsets.UTF_8);
        ShapeMismatchException misshapen = assertThrows(ShapeMismatchException.class,
                () -> CompletePartitionExporter.export(model, dir.resolve("out"), 2, Reconstruction.NONE, null));
        assertEquals(EXPERTS + "0.w1.weight", misshapen.tensorName());
        assertNothingWritten();
    }

    private PartitionRefusedException refused(Path model, int parts) {
        return assertThrows(PartitionRefusedException.class,
                () -> CompletePartitionExporter.export(model, dir.resolve("out"), parts, Reconstruction.NONE, null));
    }

    /** Neither the output folder nor a staging folder beside it. */
    private void assertNothingWritten() throws IOException {
        assertFalse(Files.exists(dir.resolve("out")));
        assertEquals(List.of("model"), fileNames(dir));
    }

    private static HfConfig config() {
        return new HfConfig(new JsonObject(), "model/config.json");
    }

    private static ModelFamily<FamilyConfig> family(String modelType, Optional<ExpertLayout> layout) {
        return new ModelFamily<>() {
            @Override
            public String modelType() {
                return modelType;
            }

            @Override
            public FamilyConfig parseConfig(HfConfig config) {
                return () -> null;
            }

            @Override
            public CausalLmBlock build(FamilyConfig config, WeightSource weights) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<ExpertLayout> expertLayout(HfConfig config) {
                return layout;
            }
        };
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
