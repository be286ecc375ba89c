package org.dualsparse.dualsparse.parallel;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a placement plan from a text file. Blank lines and {@code #} comments are ignored; the
 * first line is {@code devices D}; then one line {@code <expert> <device>} per expert. Those
 * lines place the experts of every layer; a line {@code layer <l>} starts a block that places
 * layer {@code l}'s experts instead. Every block lists each expert exactly once.
 *
 * <pre>
 * devices 2
 * 0 0
 * 1 0
 * 2 1
 * 3 1
 * layer 1
 * 0 1
 * ...
 * </pre>
 */
public final class PlacementFile {

    private PlacementFile() {}

    /** The plan in {@code file} for layers of {@code experts} experts. */
    public static PlacementPlan read(Path file, int experts) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new PlacementException(file, 1, "is not UTF-8 text");
        }
        int devices = -1;
        Integer layer = null;
        ExpertPlacement everyLayer = null;
        Map<Integer, ExpertPlacement> perLayer = new TreeMap<>();
        int[] home = null;
        int blockStart = 0;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).replaceFirst("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (devices < 0) {
                if (fields.length != 2 || !fields[0].equals("devices")) {
                    throw new PlacementException(file, lineNo, "expected 'devices D' first, got '" + line + "'");
                }
                devices = number(file, lineNo, fields[1]);
                if (devices < 1) {
                    throw new PlacementException(file, lineNo, "need at least one device, got " + devices);
                }
                home = unassigned(experts);
                blockStart = lineNo;
                continue;
            }
            if (fields.length != 2) {
                throw new PlacementException(file, lineNo, "expected '<expert> <device>' or 'layer <l>', got '" + line + "'");
            }
            if (fields[0].equals("layer")) {
                if (layer != null || hasAny(home)) {
                    ExpertPlacement placement = finish(file, blockStart, devices, home);
                    if (layer == null) {
                        everyLayer = placement;
                    } else {
                        perLayer.put(layer, placement);
                    }
                }
                layer = number(file, lineNo, fields[1]);
                if (perLayer.containsKey(layer)) {
                    throw new PlacementException(file, lineNo, "layer " + layer + " is placed twice");
                }
                home = unassigned(experts);
                blockStart = lineNo;
                continue;
            }
            int expert = number(file, lineNo, fields[0]);
            int device = number(file, lineNo, fields[1]);
            if (expert < 0 || expert >= experts) {
                throw new PlacementException(file, lineNo, "unknown expert " + expert + ": the model has experts 0.." + (experts - 1));
            }
            if (device < 0 || device >= devices) {
                throw new PlacementException(file, lineNo, "device " + device + " out of range [0, " + devices + ")");
            }
            if (home[expert] >= 0) {
                throw new PlacementException(file, lineNo, "expert " + expert + " is placed twice");
            }
            home[expert] = device;
        }
        if (devices < 0) {
            throw new PlacementException(file, lines.size(), "no 'devices D' line");
        }
        ExpertPlacement last = finish(file, blockStart, devices, home);
        if (layer == null) {
            everyLayer = last;
        } else {
            perLayer.put(layer, last);
        }
        return new PlacementPlan(everyLayer, perLayer);
    }

    private static ExpertPlacement finish(Path file, int blockStart, int devices, int[] home) {
        long placed = Arrays.stream(home).filter(d -> d >= 0).count();
        if (placed != home.length) {
            throw new PlacementException(file, blockStart, "the block starting here places " + placed + " experts, the model has " + home.length);
        }
        return ExpertPlacement.of(devices, home);
    }

    private static int[] unassigned(int experts) {
        int[] home = new int[experts];
        Arrays.fill(home, -1);
        return home;
    }

    private static boolean hasAny(int[] home) {
        return Arrays.stream(home).anyMatch(d -> d >= 0);
    }

    private static int number(Path file, int line, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new PlacementException(file, line, "'" + value + "' is not a whole number");
        }
    }
}
