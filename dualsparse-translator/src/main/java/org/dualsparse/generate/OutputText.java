package org.dualsparse.generate;

import java.util.function.Consumer;
import org.dualsparse.tokenizer.IncrementalDecoder;
import org.dualsparse.tokenizer.TextTokenizer;

/**
 * The text of one generated sequence as its tokens arrive: decoded incrementally, cut before the
 * first stop string, and passed to a listener as soon as it can no longer change (never part of a
 * stop string, never half a character).
 */
final class OutputText {

    private final IncrementalDecoder decoder;
    private final StopStrings stops;
    private final Consumer<String> listener;
    private final StringBuilder text = new StringBuilder();
    private int delivered;

    OutputText(TextTokenizer tokenizer, GenerationOptions options, Consumer<String> listener) {
        this.decoder = new IncrementalDecoder(tokenizer);
        this.stops = new StopStrings(options.stopStrings());
        this.listener = listener;
    }

    /** Adds a token's text; returns true when a stop string appeared (the text now ends before it). */
    boolean add(long token) {
        return append(decoder.add(token), false);
    }

    /** Ends the text: releases what the decoder held back; returns true when that revealed a stop string. */
    boolean finish() {
        return append(decoder.flush(), true);
    }

    String text() {
        return text.toString();
    }

    private boolean append(String piece, boolean end) {
        int previousLength = text.length();
        text.append(piece);
        int stop = stops.find(text, stops.searchStart(previousLength));
        if (stop >= 0) {
            text.setLength(stop);
        }
        boolean complete = end || stop >= 0;
        int ready = complete ? text.length() : text.length() - stops.pendingLength(text);
        if (listener != null && ready > delivered) {
            listener.accept(text.substring(delivered, ready));
        }
        delivered = Math.max(delivered, ready);
        return stop >= 0;
    }
}
