package org.dualsparse.generate;

import java.util.function.Consumer;

/**
 * One sequence to continue: its token ids, its options, and an optional listener that receives
 * the text as it is generated (on the generating thread; null for none).
 */
public record Prompt(long[] ids, GenerationOptions options, Consumer<String> onText) {

    public Prompt(long[] ids, GenerationOptions options) {
        this(ids, options, null);
    }
}
