package org.dualsparse.dualsparse.parallel;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    public static void write(Path file, List<LayerRouting> batches) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
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
        }
    }

    public static List<LayerRouting> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
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
            String[] header = lines.get(i).trim().split("\\s+");
            if (header.length != 4 || !header[0].equals("batch")) {
                throw new TraceException(file, i + 1, "expected 'batch <layer> <tokens> <K>', got '" + lines.get(i) + "'");
            }
            int layer = (int) number(file, i + 1, header[1]);
            int tokens = (int) number(file, i + 1, header[2]);
            int topK = (int) number(file, i + 1, header[3]);
            long[] experts = new long[tokens * topK];
            float[] weights = new float[tokens * topK];
            for (int n = 0; n < tokens; n++) {
                int lineNo = i + 2 + n;
                if (lineNo > lines.size()) {
                    throw new TraceException(file, lineNo, "batch of layer " + layer + " ends after " + n + " of " + tokens + " tokens");
                }
                String[] fields = lines.get(lineNo - 1).trim().split("\\s+");
                if (fields.length != 2 * topK) {
                    throw new TraceException(file, lineNo, "expected " + topK + " expert ids and " + topK + " gate weights, got '" + lines.get(lineNo - 1) + "'");
                }
                for (int k = 0; k < topK; k++) {
                    experts[n * topK + k] = number(file, lineNo, fields[k]);
                    weights[n * topK + k] = weight(file, lineNo, fields[topK + k]);
                }
            }
            batches.add(new LayerRouting(layer, new Routing(null, null, experts, weights, tokens, topK)));
            i += 1 + tokens;
        }
        return batches;
    }

    private static long number(Path file, int line, String value) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new TraceException(file, line, "'" + value + "' is negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new TraceException(file, line, "'" + value + "' is not a whole number");
        }
    }

    private static float weight(Path file, int line, String value) {
        try {
            return Float.parseFloat(value);
        } catch (NumberFormatException e) {
            throw new TraceException(file, line, "'" + value + "' is not a gate weight");
        }
    }
}
