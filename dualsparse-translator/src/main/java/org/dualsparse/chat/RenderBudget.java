package org.dualsparse.chat;

import com.hubspot.jinjava.util.ObjectIterator;
import java.util.AbstractList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * What one render may spend beyond the limits Jinjava has (output, strings, lists, ranges): loop
 * passes and time. Nested loops that write nothing ({@code range(10**5)} inside {@code
 * range(10**5)}) would run for hours, and a few kilobytes of broken expressions that Jinjava
 * re-parses, failing, on every pass take seconds. A render may make {@link #BASE_PASSES} passes
 * plus {@link #PASSES_PER_MESSAGE} per message, counted as they run, and take {@link
 * #MAX_SECONDS} seconds, checked at loop passes and expression parses; past either it stops with
 * a {@link ChatTemplateException}.
 */
final class RenderBudget {

    /** Passes any render may make: far above what a chat template needs (a pass or a few per message or tool). */
    static final long BASE_PASSES = 10_000;

    /** Further passes per message of the conversation. */
    static final long PASSES_PER_MESSAGE = 100;

    /** Wall-clock seconds a render may take; a chat template renders in milliseconds. */
    static final long MAX_SECONDS = 2;

    private static final int CLOCK_EVERY = 256;

    private static final ThreadLocal<RenderBudget> CURRENT = new ThreadLocal<>();

    private final long maxPasses;
    private final long deadline;
    private long passes;

    private RenderBudget(long maxPasses) {
        this.maxPasses = maxPasses;
        this.deadline = System.nanoTime() + MAX_SECONDS * 1_000_000_000L;
    }

    /** Runs {@code render} of a conversation of {@code messages} messages with a fresh budget on this thread. */
    static <T> T during(int messages, Supplier<T> render) {
        CURRENT.set(new RenderBudget(BASE_PASSES + PASSES_PER_MESSAGE * messages));
        try {
            return render.get();
        } finally {
            CURRENT.remove();
        }
    }

    /**
     * The items of the loop at {@code line}, counted: a list pass by pass as the loop takes its
     * items, anything else (a map, a string) by its length up front.
     */
    static Object counted(Object items, int line) {
        if (items instanceof List<?> list) {
            return new CountedList<>(list, line);
        }
        spend(Math.max(1, ObjectIterator.getLoop(items).getLength()), line);
        return items;
    }

    /** Counts {@code passes} of the loop at {@code line}; refuses the render once the budget or the time is spent. */
    static void spend(long passes, int line) {
        RenderBudget budget = CURRENT.get();
        if (budget == null) {
            return;
        }
        long before = budget.passes;
        budget.passes += passes;
        if (budget.passes > budget.maxPasses) {
            throw new ChatTemplateException("the chat template's loops ran past " + budget.maxPasses
                    + " passes (line " + line + "); a chat template needs a few per message");
        }
        if (before / CLOCK_EVERY != budget.passes / CLOCK_EVERY && System.nanoTime() > budget.deadline) {
            throw new ChatTemplateException("the chat template ran past " + MAX_SECONDS + " s (line " + line + ")");
        }
    }

    /** Refuses the render once its time is spent; called where Jinjava parses an expression. */
    static void checkClock() {
        RenderBudget budget = CURRENT.get();
        if (budget != null && System.nanoTime() > budget.deadline) {
            throw new ChatTemplateException("the chat template ran past " + MAX_SECONDS + " s");
        }
    }

    /** A list whose iteration counts one pass per item taken. */
    private static final class CountedList<E> extends AbstractList<E> {

        private final List<E> items;
        private final int line;

        CountedList(List<E> items, int line) {
            this.items = items;
            this.line = line;
        }

        @Override
        public E get(int index) {
            return items.get(index);
        }

        @Override
        public int size() {
            return items.size();
        }

        @Override
        public Iterator<E> iterator() {
            Iterator<E> all = items.iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return all.hasNext();
                }

                @Override
                public E next() {
                    spend(1, line);
                    return all.next();
                }
            };
        }
    }
}
