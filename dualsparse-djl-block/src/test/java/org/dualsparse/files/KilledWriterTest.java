package org.dualsparse.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.CheckpointException;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsFile;
import org.dualsparse.checkpoint.SafetensorsWriter;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.calibration.LayerProfile;
import org.dualsparse.dualsparse.calibration.ModelIdentity;
import org.dualsparse.dualsparse.calibration.ProfileException;
import org.dualsparse.dualsparse.calibration.ProfileFile;
import org.dualsparse.dualsparse.calibration.ScoreHistogram;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.RoutingTrace;
import org.dualsparse.dualsparse.parallel.TraceException;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A child JVM rewrites a file again and again through the library's own writers (a safetensors
 * checkpoint, a calibration profile, a routing trace), and is killed with SIGKILL at a random
 * moment, several times. After every kill the file must read back whole, as one of the versions
 * written; a kill that landed mid-write leaves only a hidden temporary file, which no reader opens
 * and which, renamed to the real name, is refused by the reader unless it is whole.
 */
@Tag("kernel-insensitive")
class KilledWriterTest {

    /** Kills at least, and at most while none has yet landed mid-write (a kill between two writes proves less). */
    private static final int KILLS = 4;
    private static final int MAX_KILLS = 40;
    private static final int VALUES = 2_000_000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"safetensors", "profile", "trace"})
    void aKilledWriterLeavesTheLastWholeFile(String kind) throws Exception {
        Path file = dir.resolve(Writes.fileName(kind));
        Random random = new Random(7);
        int midway = 0;
        for (int kill = 0; kill < KILLS || midway == 0 && kill < MAX_KILLS; kill++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), Writes.class.getName(), kind, file.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("wrote 0", out.readLine(), "the child writes one whole version first");
                Thread.sleep(random.nextInt(300));
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            int version = Writes.read(kind, file);
            assertTrue(version >= 0, "a whole version reads back");
            List<Path> partial = temporaries(file);
            for (Path temporary : partial) {
                Writes.wholeOrRefused(kind, temporary, dir.resolve("partial-" + kill));
                Files.delete(temporary);
            }
            midway += partial.size();
        }
        assertTrue(midway > 0, "at least one kill landed mid-write");
    }

    private static List<Path> temporaries(Path file) throws IOException {
        try (Stream<Path> siblings = Files.list(file.getParent())) {
            return siblings.filter(p -> p.getFileName().toString().startsWith("." + file.getFileName() + ".")).toList();
        }
    }

    /** The child: writes versions 0, 1, 2, ... of a {@code kind} file until it is killed. */
    public static final class Writes {

        private Writes() {}

        public static void main(String[] args) throws IOException {
            String kind = args[0];
            Path file = Path.of(args[1]);
            for (int version = 0; ; version++) {
                write(kind, file, version);
                System.out.println("wrote " + version);
                System.out.flush();
            }
        }

        static String fileName(String kind) {
            return switch (kind) {
                case "safetensors" -> "model.safetensors";
                case "profile" -> "model.dsprofile";
                default -> "routing.trace";
            };
        }

        static void write(String kind, Path file, int version) throws IOException {
            switch (kind) {
                case "safetensors" -> {
                    float[] values = new float[VALUES];
                    Arrays.fill(values, version);
                    SafetensorsWriter.write(file, List.of(new SafetensorsWriter.Tensor("w", new long[] {VALUES}, values)), DType.F32,
                            Map.of("version", Integer.toString(version)));
                }
                case "profile" -> ProfileFile.write(profile(version), file);
                default -> RoutingTrace.write(file, trace(version));
            }
        }

        /** The version the whole file holds, checked throughout. */
        static int read(String kind, Path file) throws IOException {
            switch (kind) {
                case "safetensors" -> {
                    try (SafetensorsFile f = SafetensorsFile.open(file)) {
                        int version = Integer.parseInt(f.metadata().get("version"));
                        FloatBuffer values = f.bytes(f.tensors().get("w")).asFloatBuffer();
                        assertEquals(VALUES, values.remaining());
                        assertEquals(version, values.get(0));
                        assertEquals(version, values.get(VALUES - 1));
                        return version;
                    }
                }
                case "profile" -> {
                    CalibrationProfile profile = ProfileFile.read(file);
                    int version = (int) profile.tokens() - 1;
                    assertEquals(version, profile.layers().get(profile.layers().size() - 1).importance()[0][0]);
                    return version;
                }
                default -> {
                    List<LayerRouting> batches = RoutingTrace.read(file);
                    assertEquals(TRACE_BATCHES, batches.size(), "every batch of the trace is there");
                    return batches.get(0).layer();
                }
            }
        }

        /**
         * A temporary file left by a kill, given the real file's name in a folder of its own, is
         * either whole (the kill came after its last byte) or refused by the reader with its typed
         * error: a part is never read as a file.
         */
        static void wholeOrRefused(String kind, Path temporary, Path folder) throws IOException {
            Files.createDirectories(folder);
            Path named = Files.copy(temporary, folder.resolve(fileName(kind)));
            switch (kind) {
                case "safetensors" -> {
                    try (Checkpoint whole = Checkpoint.open(folder)) {
                        read(kind, named);
                    } catch (CheckpointException refused) {
                        // a part
                    }
                }
                case "profile" -> {
                    try {
                        read(kind, named);
                    } catch (ProfileException refused) {
                        // a part
                    }
                }
                default -> {
                    // A trace has no length or checksum, so a cut at a batch boundary reads as a shorter
                    // trace: atomic replacement is what keeps such a part from being read at all.
                    try {
                        assertTrue(RoutingTrace.read(named).size() <= TRACE_BATCHES);
                    } catch (TraceException refused) {
                        // a part
                    }
                }
            }
        }

        private static final int TRACE_BATCHES = 40;
        private static final int TRACE_TOKENS = 4096;

        private static List<LayerRouting> trace(int version) {
            List<LayerRouting> batches = new ArrayList<>();
            long[] experts = new long[TRACE_TOKENS * 2];
            float[] weights = new float[TRACE_TOKENS * 2];
            for (int i = 0; i < experts.length; i++) {
                experts[i] = i % 8;
                weights[i] = 0.5f;
            }
            for (int b = 0; b < TRACE_BATCHES; b++) {
                batches.add(new LayerRouting(version, new Routing(null, null, experts, weights, TRACE_TOKENS, 2)));
            }
            return batches;
        }

        private static CalibrationProfile profile(int version) {
            int experts = 64;
            int neurons = 2048;
            List<LayerProfile> layers = new ArrayList<>();
            for (int l = 0; l < 8; l++) {
                float[][] importance = new float[experts][neurons];
                for (float[] expert : importance) {
                    Arrays.fill(expert, version);
                }
                long[] scores = new long[ScoreHistogram.DEFAULT_BINS];
                long[] topTwo = new long[ScoreHistogram.DEFAULT_BINS];
                scores[0] = 2;
                topTwo[0] = 1;
                layers.add(new LayerProfile(l, 2, experts, neurons, 0, 1, new ScoreHistogram(scores), new ScoreHistogram(topTwo), importance));
            }
            return new CalibrationProfile(new ModelIdentity("test", "0"), ImportanceMetric.ABS_GATE, version + 1L, layers);
        }
    }
}
