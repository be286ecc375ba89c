package org.dualsparse.chat;

import java.util.function.Supplier;

/**
 * The passes of every loop of one render, counted as each loop starts. Jinjava bounds output,
 * strings, lists and ranges but not time: nested loops that write nothing ({@code range(10**5)}
 * inside {@code range(10**5)}) would run for hours. Past {@link #MAX_PASSES} the render stops.
 */
final class LoopBudget {

    /** Far above what any chat template needs (a pass or a few per message). */
    static final long MAX_PASSES = 100_000;

    private static final ThreadLocal<long[]> SPENT = new ThreadLocal<>();

    private LoopBudget() {}

    /** Runs {@code render} with a fresh budget on this thread. */
    static <T> T during(Supplier<T> render) {
        SPENT.set(new long[1]);
        try {
            return render.get();
        } finally {
            SPENT.remove();
        }
    }

    /** Counts {@code passes} of the loop at {@code line}; refuses the render once the budget is spent. */
    static void spend(long passes, int line) {
        long[] spent = SPENT.get();
        if (spent == null) {
            return;
        }
        spent[0] += passes;
        if (spent[0] > MAX_PASSES) {
            throw new ChatTemplateException("the chat template's loops ran past " + MAX_PASSES
                    + " passes (line " + line + "); a chat template needs a few per message");
        }
    }
}
