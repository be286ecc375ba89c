package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --backend}, {@code --weights}, {@code --quant-block} and {@code --quant-zero-points}:
 * every command that runs a model takes them, the shipped model runs on onnxruntime with int8
 * weights, and values that cannot run are refused with an error naming the switch and the value.
 */
class BackendOptionsTest {

    private static final Path MODEL = Path.of("..").resolve(ShippedModel.DIR).toAbsolutePath().normalize();

    private static final String PROMPT_IDS = "1,15,29,40,2,7,300,45,12,99";

    /** Every command that loads or builds a model, as its words on the command line. */
    private static final List<List<String>> MODEL_COMMANDS = List.of(List.of("logits"), List.of("generate"), List.of("chat"),
            List.of("eval"), List.of("sweep"), List.of("calibrate"), List.of("ep-sim"), List.of("expert-usage"),
            List.of("bench", "model"), List.of("bench", "moe"));

    /**
     * int8 blocks of 32 round each weight to 1/254 of its block's largest: measured 8.4e-3 of the
     * logit scale against libtorch's float32 on this prompt (int4: 6.9e-2).
     */
    private static final float INT8_TOLERANCE = 0.03f;

    @Test
    void theShippedModelRunsOnOnnxRuntimeWithInt8Weights(@TempDir Path dir) throws IOException {
        Path f32 = dir.resolve("f32.bin");
        Path int8 = dir.resolve("int8.bin");
        CliRun dense = CliRun.of("logits", "--model", MODEL.toString(), "--ids", PROMPT_IDS, "--logits-out", f32.toString(), "--json");
        assertEquals(0, dense.code(), dense.err());
        assertEquals("libtorch f32", JsonParser.parseString(dense.out()).getAsJsonObject().get("backend").getAsString());

        CliRun run = CliRun.of("logits", "--model", MODEL.toString(), "--ids", PROMPT_IDS, "--backend", "onnxruntime",
                "--weights", "int8", "--logits-out", int8.toString(), "--json");
        assertEquals(0, run.code(), run.err());
        JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals("onnxruntime int8 (blocks of 32, symmetric)", json.get("backend").getAsString());
        assertTrue(json.get("weight_bytes").getAsLong() > 0, run.out());

        float[] expected = LogitFiles.read(f32);
        float[] actual = LogitFiles.read(int8);
        float diff = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        float scale = LogitFiles.maxAbs(expected);
        assertTrue(diff <= INT8_TOLERANCE * scale, "int8 against float32: max |Δlogit| " + diff + " at logit scale " + scale);
    }

    @Test
    void generateTakesTheSwitchesThroughTheCriteria() {
        CliRun run = CliRun.of("generate", "--model", MODEL.toString(), "--prompt", "And the LORD spake unto Moses, saying,",
                "--max-tokens", "8", "--temperature", "0", "--weights", "int4", "--quant-block", "64", "--quant-zero-points",
                "--json");
        assertEquals(0, run.code(), run.err());
        JsonObject json = JsonParser.parseString(run.out()).getAsJsonObject();
        assertEquals(8, json.getAsJsonArray("token_ids").size(), run.out());
    }

    @Test
    void anUnknownWeightFormatIsRefusedByEveryCommandThatRunsAModel() {
        for (List<String> command : MODEL_COMMANDS) {
            CliRun run = CliRun.of(concat(command, "--weights", "int3"));
            assertEquals(2, run.code(), command + ": " + run.err());
            assertTrue(run.err().startsWith("Invalid value for option '--weights': unknown weight format \"int3\"; use f32, int8 or int4"),
                    command + ": " + run.err());
        }
    }

    @Test
    void anUnknownBackendIsRefused() {
        CliRun run = CliRun.of("logits", "--ids", PROMPT_IDS, "--backend", "tensorflow");
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().startsWith("Invalid value for option '--backend': unknown backend \"tensorflow\"; use libtorch or onnxruntime"),
                run.err());
    }

    @Test
    void libtorchWithQuantizedWeightsIsRefused() {
        CliRun run = CliRun.of("logits", "--ids", PROMPT_IDS, "--backend", "libtorch", "--weights", "int4");
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().startsWith("--backend libtorch --weights int4: int4 weights run on the onnxruntime backend only"),
                run.err());
    }

    @Test
    void aBlockSizeThatIsNoPowerOfTwoIsRefused() {
        CliRun run = CliRun.of("logits", "--ids", PROMPT_IDS, "--weights", "int8", "--quant-block", "24");
        assertEquals(2, run.code(), run.err());
        assertTrue(run.err().startsWith("--quant-block 24: quantization block size must be a power of two from 16 to 256, not 24"),
                run.err());
    }

    private static String[] concat(List<String> command, String... args) {
        return Stream.concat(command.stream(), Arrays.stream(args)).toArray(String[]::new);
    }
}
