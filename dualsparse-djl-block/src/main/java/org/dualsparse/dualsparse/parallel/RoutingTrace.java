package org.dualsparse.dualsparse.parallel;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dualsparse.files.AtomicFile;
import org.dualsparse.moe.Routing;

/**
 * Routings saved as text, to replay expert-parallel simulations without the model. The first
 * line is {@code dualsparse-routing-trace 1}; each batch starts with {@code batch <layer>
 * <tokens> <K>} followed by one line per token: its K expert ids, then its K gate weights.
 *
 * <pre>
 * dualsparse-routing-trace 1
 * batch 1 2 2
 * 3 0 0.61 0.22
 * 1 2 0.50 0.49
 * </pre>
 */
public final class RoutingTrace {

    private static final String HEADER = "dualsparse-routing-trace 1";

    private RoutingTrace() {}

    /** Writes {@code batches} to {@code file} atomically ({@link AtomicFile}). */
    public static void write(Path file, List<LayerRouting> batches) throws IOException {
        AtomicFile.writeStream(file, stream -> {
            BufferedWriter out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
            out.write(HEADER);
            out.newLine();
            for (LayerRouting batch : batches) {
                Routing r = batch.routing();
                out.write("batch " + batch.layer() + " " + r.numTokens() + " " + r.topK());
                out.newLine();
                for (int n = 0; n < r.numTokens(); n++) {
                    StringBuilder line = new StringBuilder();
                    for (int k = 0; k < r.topK(); k++) {
                        line.append(r.experts()[n * r.topK() + k]).append(' ');
                    }
                    for (int k = 0; k < r.topK(); k++) {
                        line.append(r.hostWeights()[n * r.topK() + k]).append(k + 1 < r.topK() ? " " : "");
                    }
                    out.write(line.toString());
                    out.newLine();
                }
            }
            out.flush();
        });
    }

    /**
     * The batches of {@code file}.
     *
     * @throws TraceException naming the file, line and value of whatever is not a valid trace
     * @throws IOException if the file cannot be read
     */
    public static List<LayerRouting> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new TraceException(file, 1, "is not UTF-8 text");
        }
        if (lines.isEmpty() || !lines.get(0).trim().equals(HEADER)) {
            throw new TraceException(file, 1, "expected '" + HEADER + "'");
        }
        List<LayerRouting> batches = new ArrayList<>();
        int i = 1;
        while (i < lines.size()) {
            if (lines.get(i).isBlank()) {
                i++;
                continue;
            }
            batches.add(batch(file, lines, i));
            i += 1 + batches.get(batches.size() - 1).routing().numTokens();
        }
        return batches;
    }

    /** The batch whose header is line {@code i + 1}; its arrays are sized only once its lines are known to exist. */
    private static LayerRouting batch(Path file, List<String> lines, int i) {
        int lineNo = i + 1;
        String[] header = lines.get(i).trim().split("\\s+");
        if (header.length != 4 || !header[0].equals("batch")) {
            throw new TraceException(file, lineNo, "expected 'batch <layer> <tokens> <K>', got '" + lines.get(i) + "'");
        }
        int layer = count(file, lineNo, header[1]);
        int tokens = count(file, lineNo, header[2]);
        int topK = count(file, lineNo, header[3]);
        if (topK < 1) {
            throw new TraceException(file, lineNo, "K must be at least 1, got " + topK);
        }
        if (tokens > lines.size() - lineNo) {
            throw new TraceException(file, lines.size() + 1, "batch of layer " + layer + " ends after " + (lines.size() - lineNo) + " of " + tokens + " tokens");
        }
        List<String[]> rows = new ArrayList<>(tokens);
        for (int n = 0; n < tokens; n++) {
            String line = lines.get(i + 1 + n);
            String[] fields = line.trim().split("\\s+");
            if (fields.length != 2 * (long) topK) {
                throw new TraceException(file, lineNo + 1 + n, "expected " + topK + " expert ids and " + topK + " gate weights, got '" + line + "'");
            }
            rows.add(fields);
        }
        long[] experts = new long[tokens * topK];
        float[] weights = new float[tokens * topK];
        for (int n = 0; n < tokens; n++) {
            for (int k = 0; k < topK; k++) {
                experts[n * topK + k] = count(file, lineNo + 1 + n, rows.get(n)[k]);
                weights[n * topK + k] = weight(file, lineNo + 1 + n, rows.get(n)[topK + k]);
            }
        }
        return new LayerRouting(layer, new Routing(null, null, experts, weights, tokens, topK));
    }

    private static int count(Path file, int line, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n < 0) {
                throw new TraceException(file, line, "'" + value + "' is negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new TraceException(file, line, "'" + value + "' is not a whole number below 2^31");
        }
    }

    private static float weight(Path file, int line, String value) {
        try {
            float weight = Float.parseFloat(value);
            if (!Float.isFinite(weight)) {
                throw new TraceException(file, line, "gate weight '" + value + "' is not finite");
            }
            return weight;
        } catch (NumberFormatException e) {
            throw new TraceException(file, line, "'" + value + "' is not a gate weight");
        }
    }
}
