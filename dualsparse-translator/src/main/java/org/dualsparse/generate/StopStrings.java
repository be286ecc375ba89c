package org.dualsparse.generate;

import java.util.List;

/** Finds stop strings in generated text, and the text that must wait because a stop string may be starting. */
final class StopStrings {

    private final List<String> stops;
    private final int longest;

    StopStrings(List<String> stops) {
        this.stops = stops;
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** The start of the earliest stop string in {@code text} at or after {@code from}, or -1. */
    int find(StringBuilder text, int from) {
        int earliest = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        return earliest;
    }

    /** Where the search may start after {@code text} grew from {@code previousLength}: a match may straddle the old end. */
    int searchStart(int previousLength) {
        return Math.max(0, previousLength - longest + 1);
    }

    /** Length of the longest end of {@code text} that begins some stop string, to be held back. */
    int pendingLength(CharSequence text) {
        int max = Math.min(text.length(), longest - 1);
        for (int length = max; length > 0; length--) {
            String end = text.subSequence(text.length() - length, text.length()).toString();
            for (String stop : stops) {
                if (stop.startsWith(end)) {
                    return length;
                }
            }
        }
        return 0;
    }
}
