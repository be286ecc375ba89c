package org.dualsparse.dualsparse.calibration;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.dualsparse.files.AtomicFile;

/**
 * The calibration profile file, format version 1, all numbers little-endian:
 *
 * <pre>
 * magic           8 bytes  "DSPROFIL"
 * version         u32      1
 * file length     u64      every byte of the file, this frame and the checksum included
 * header length   u32      H
 * header          H bytes  UTF-8 JSON, see below
 * per layer, in the header's order:
 *   importance    f32[experts · expert_neurons]   expert by expert, checkpoint neuron order
 *   scores        i64[bins]                       histogram of the normalised scores
 *   top_two       i64[bins]                       histogram of s_2 / s_1
 * checksum        u32      CRC32 of every byte before it
 * </pre>
 *
 * The header: {@code {"model_type", "fingerprint", "metric", "tokens", "bins", "layers": [{"layer",
 * "top_k", "experts", "expert_neurons", "shared_neurons", "tokens"}, …]}}. Reading checks, in
 * this order, the magic, the version, the length (truncation), the checksum (corruption), the
 * header's keys and the counts' consistency; each failure is a {@link ProfileException} naming
 * the file and the problem.
 */
public final class ProfileFile {

    public static final int VERSION = 1;

    private static final byte[] MAGIC = "DSPROFIL".getBytes(StandardCharsets.US_ASCII);
    private static final int FRAME = MAGIC.length + Integer.BYTES + Long.BYTES + Integer.BYTES;
    private static final int CHECKSUM = Integer.BYTES;
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private ProfileFile() {}

    /** Writes {@code profile} to {@code file} atomically ({@link AtomicFile}): a crash leaves the old profile or the new one. */
    public static void write(CalibrationProfile profile, Path file) {
        byte[] header = new Gson().toJson(header(profile)).getBytes(StandardCharsets.UTF_8);
        long length = FRAME + header.length + CHECKSUM;
        for (LayerProfile l : profile.layers()) {
            length += payloadBytes(l.numExperts(), l.expertNeurons(), l.scores().bins());
        }
        if (length > Integer.MAX_VALUE) {
            throw new ProfileException(file, "a profile of " + length + " bytes is past the 2 GiB this format writes");
        }
        ByteBuffer out = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION).putLong(length).putInt(header.length).put(header);
        for (LayerProfile l : profile.layers()) {
            for (float[] expert : l.importance()) {
                out.asFloatBuffer().put(expert);
                out.position(out.position() + expert.length * Float.BYTES);
            }
            out.asLongBuffer().put(l.scores().counts());
            out.position(out.position() + l.scores().bins() * Long.BYTES);
            out.asLongBuffer().put(l.topTwoRatios().counts());
            out.position(out.position() + l.topTwoRatios().bins() * Long.BYTES);
        }
        out.putInt((int) crc(out.array(), out.position()));
        try {
            AtomicFile.writeBytes(file, out.array());
        } catch (IOException e) {
            throw new ProfileException(file, "cannot write: " + e, e);
        }
    }

    /** Reads and validates a profile file. */
    public static CalibrationProfile read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ProfileException(file, "no such calibration profile", e);
        } catch (IOException e) {
            throw new ProfileException(file, "cannot read: " + e, e);
        }
        return new Reader(file, bytes).profile();
    }

    private static Map<String, Object> header(CalibrationProfile profile) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("model_type", profile.model().modelType());
        header.put("fingerprint", profile.model().fingerprint());
        header.put("metric", profile.metric().id());
        header.put("tokens", profile.tokens());
        header.put("bins", profile.layers().get(0).scores().bins());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (LayerProfile l : profile.layers()) {
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("layer", l.layer());
            layer.put("top_k", l.topK());
            layer.put("experts", l.numExperts());
            layer.put("expert_neurons", l.expertNeurons());
            layer.put("shared_neurons", l.sharedNeurons());
            layer.put("tokens", l.tokens());
            layers.add(layer);
        }
        header.put("layers", layers);
        return header;
    }

    private static long payloadBytes(long experts, long neurons, long bins) {
        return experts * neurons * Float.BYTES + 2 * bins * Long.BYTES;
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    /** One read of one file: each step checks what the previous ones let it trust. */
    private static final class Reader {

        private final Path file;
        private final byte[] bytes;
        private final ByteBuffer in;

        Reader(Path file, byte[] bytes) {
            this.file = file;
            this.bytes = bytes;
            in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        CalibrationProfile profile() {
            checkFrame();
            int headerLength = in.getInt();
            if (headerLength < 0 || headerLength > bytes.length - FRAME - CHECKSUM) {
                throw corrupt("header length " + Integer.toUnsignedString(headerLength) + " does not fit in the file");
            }
            JsonObject header = parseHeader(new String(bytes, FRAME, headerLength, StandardCharsets.UTF_8));
            in.position(FRAME + headerLength);
            int bins = positive(header, "bins", "");
            JsonArray layerHeaders = array(header, "layers");
            if (layerHeaders.isEmpty()) {
                throw corrupt("header key \"layers\" is empty");
            }
            long available = bytes.length - FRAME - headerLength - CHECKSUM;
            long payload = 0;
            for (int i = 0; i < layerHeaders.size(); i++) {
                JsonObject l = layerHeader(layerHeaders, i);
                String where = "layers[" + i + "].";
                int experts = positive(l, "experts", where);
                int neurons = positive(l, "expert_neurons", where);
                if ((long) experts * neurons > available / Float.BYTES) {
                    throw corrupt(where + "experts × expert_neurons = " + (long) experts * neurons + " is past the file's end");
                }
                payload += payloadBytes(experts, neurons, bins);
            }
            if (payload != available) {
                throw corrupt("the header describes " + payload + " bytes of arrays, the file holds " + available);
            }
            List<LayerProfile> layers = new ArrayList<>();
            for (int i = 0; i < layerHeaders.size(); i++) {
                layers.add(layer(layerHeader(layerHeaders, i), "layers[" + i + "].", bins));
            }
            ModelIdentity model = new ModelIdentity(string(header, "model_type"), string(header, "fingerprint"));
            ImportanceMetric metric;
            try {
                metric = ImportanceMetric.parse(string(header, "metric"));
            } catch (IllegalArgumentException e) {
                throw corrupt("header key \"metric\": " + e.getMessage());
            }
            return new CalibrationProfile(model, metric, naturalLong(header, "tokens", ""), layers);
        }

        private JsonObject layerHeader(JsonArray layers, int i) {
            JsonElement element = layers.get(i);
            if (!element.isJsonObject()) {
                throw corrupt("header key \"layers[" + i + "]\" = " + element + " is not an object");
            }
            return element.getAsJsonObject();
        }

        private void checkFrame() {
            int prefix = Math.min(bytes.length, MAGIC.length);
            if (!Arrays.equals(bytes, 0, prefix, MAGIC, 0, prefix)) {
                throw new ProfileException(file, "not a DualSparse calibration profile (no \"DSPROFIL\" magic)");
            }
            if (bytes.length < FRAME + CHECKSUM) {
                throw corrupt("truncated: " + bytes.length + " bytes, shorter than the " + (FRAME + CHECKSUM) + "-byte frame");
            }
            in.position(MAGIC.length);
            int version = in.getInt();
            if (version != VERSION) {
                throw new ProfileException(file, "profile format version " + Integer.toUnsignedString(version)
                        + "; this build reads version " + VERSION);
            }
            long length = in.getLong();
            if (length != bytes.length) {
                throw corrupt((length > bytes.length ? "truncated: " : "trailing bytes: ") + bytes.length
                        + " bytes, the profile says " + length);
            }
            int stored = ByteBuffer.wrap(bytes, bytes.length - CHECKSUM, CHECKSUM).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (stored != (int) crc(bytes, bytes.length - CHECKSUM)) {
                throw corrupt("checksum mismatch: the file is corrupt");
            }
        }

        private JsonObject parseHeader(String json) {
            try {
                JsonElement root = JsonParser.parseString(json);
                if (!root.isJsonObject()) {
                    throw corrupt("header is not a JSON object");
                }
                return root.getAsJsonObject();
            } catch (JsonParseException e) {
                throw corrupt("header is not well-formed JSON: " + e.getMessage());
            }
        }

        private LayerProfile layer(JsonObject header, String where, int bins) {
            int layer = natural(header, "layer", where);
            int topK = positive(header, "top_k", where);
            int experts = positive(header, "experts", where);
            int neurons = positive(header, "expert_neurons", where);
            int shared = natural(header, "shared_neurons", where);
            long tokens = naturalLong(header, "tokens", where);
            float[][] importance = new float[experts][neurons];
            for (int e = 0; e < experts; e++) {
                in.asFloatBuffer().get(importance[e]);
                in.position(in.position() + neurons * Float.BYTES);
                for (float v : importance[e]) {
                    if (!Float.isFinite(v)) {
                        throw corrupt("layer " + layer + " expert " + e + " has a non-finite importance " + v);
                    }
                }
            }
            ScoreHistogram scores = histogram(bins, layer, "score");
            ScoreHistogram topTwo = histogram(bins, layer, "s2/s1");
            if (scores.total() != tokens * topK) {
                throw corrupt("layer " + layer + " holds " + scores.total() + " scores for " + tokens + " tokens × top-" + topK);
            }
            if (topTwo.total() != (topK > 1 ? tokens : 0)) {
                throw corrupt("layer " + layer + " holds " + topTwo.total() + " s2/s1 ratios for " + tokens + " tokens");
            }
            return new LayerProfile(layer, topK, experts, neurons, shared, tokens, scores, topTwo, importance);
        }

        private ScoreHistogram histogram(int bins, int layer, String what) {
            long[] counts = new long[bins];
            in.asLongBuffer().get(counts);
            in.position(in.position() + bins * Long.BYTES);
            try {
                return new ScoreHistogram(counts);
            } catch (IllegalArgumentException e) {
                throw corrupt("layer " + layer + " " + what + " histogram: " + e.getMessage());
            }
        }

        private JsonElement field(JsonObject o, String key, String where) {
            JsonElement value = o.get(key);
            if (value == null || value.isJsonNull()) {
                throw corrupt("header misses key \"" + where + key + "\"");
            }
            return value;
        }

        private String string(JsonObject o, String key) {
            JsonElement value = field(o, key, "");
            if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
                throw corrupt("header key \"" + key + "\" = " + value + " is not a string");
            }
            return value.getAsString();
        }

        private JsonArray array(JsonObject o, String key) {
            JsonElement value = field(o, key, "");
            if (!value.isJsonArray()) {
                throw corrupt("header key \"" + key + "\" = " + value + " is not an array");
            }
            return value.getAsJsonArray();
        }

        private int natural(JsonObject o, String key, String where) {
            long value = naturalLong(o, key, where);
            if (value > Integer.MAX_VALUE) {
                throw corrupt("header key \"" + where + key + "\" = " + value + " is too large");
            }
            return (int) value;
        }

        private int positive(JsonObject o, String key, String where) {
            int value = natural(o, key, where);
            if (value == 0) {
                throw corrupt("header key \"" + where + key + "\" = 0 must be positive");
            }
            return value;
        }

        private long naturalLong(JsonObject o, String key, String where) {
            JsonElement value = field(o, key, where);
            if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
                BigDecimal n = value.getAsBigDecimal();
                if (n.signum() >= 0 && n.stripTrailingZeros().scale() <= 0 && n.compareTo(LONG_MAX) <= 0) {
                    return n.longValue();
                }
            }
            throw corrupt("header key \"" + where + key + "\" = " + value + " is not a non-negative integer");
        }

        private ProfileException corrupt(String problem) {
            return new ProfileException(file, problem);
        }
    }
}
