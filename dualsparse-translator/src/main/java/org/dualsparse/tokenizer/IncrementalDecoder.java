package org.dualsparse.tokenizer;

import java.util.Arrays;

/**
 * Turns a growing sequence of token ids into text, piece by piece, so that the pieces concatenate
 * to the decode of the whole sequence.
 *
 * <p>A token's text depends on its neighbours: SentencePiece decoders drop the word-boundary space
 * of a text's first token, and byte-level or byte-fallback tokens may hold part of a UTF-8
 * character. So each new piece is the difference between decoding a short window of recent ids
 * with and without the new ones, and nothing is released while the window ends in an unfinished
 * character (which decodes to U+FFFD).
 *
 * <p>The pieces equal the whole decode for any text, and for any ids under byte-level BPE. A
 * SentencePiece byte-fallback run that never becomes valid UTF-8 is the exception: decoding it
 * whole replaces every byte of the run, valid ones included, while the pieces already released
 * keep the valid bytes that came first.
 */
public final class IncrementalDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final TextTokenizer tokenizer;
    private long[] ids = new long[16];
    private int size;
    /** Start of the decode window: ids before it are already released as text. */
    private int windowStart;
    /** End of what is released: ids in [windowStart, released) give context for the next piece. */
    private int released;

    public IncrementalDecoder(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token; returns the text it completes, empty while a character is unfinished. */
    public String add(long id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String before = decode(windowStart, released);
        String after = decode(windowStart, size);
        if (after.length() <= before.length() || after.charAt(after.length() - 1) == REPLACEMENT) {
            return "";
        }
        windowStart = released;
        released = size;
        return after.substring(before.length());
    }

    /** Releases whatever is held back at the end of the sequence, as the whole decode renders it. */
    public String flush() {
        String before = decode(windowStart, released);
        String after = decode(windowStart, size);
        windowStart = released = size;
        return after.length() > before.length() ? after.substring(before.length()) : "";
    }

    private String decode(int from, int to) {
        return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to));
    }
}
