package org.dualsparse.chat;

import com.hubspot.jinjava.lib.fn.Functions;
import java.util.List;

/**
 * Jinja2's {@code range(stop)}, {@code range(start, stop[, step])}, refused past {@link
 * ChatTemplateEngine#MAX_ITEMS} items where Jinjava's own would quietly stop there and render a
 * different prompt than transformers does.
 */
final class PythonRange {

    private PythonRange() {}

    public static List<Integer> range(Object first, Object... rest) {
        long start = rest.length == 0 ? 0 : whole(first);
        long stop = rest.length == 0 ? whole(first) : whole(rest[0]);
        long step = rest.length > 1 ? whole(rest[1]) : 1;
        if (step == 0) {
            throw new ChatTemplateException("range() step must not be zero");
        }
        long items = step > 0 ? Math.max(0, (stop - start + step - 1) / step) : Math.max(0, (start - stop - step - 1) / -step);
        if (items > ChatTemplateEngine.MAX_ITEMS) {
            throw new ChatTemplateException("range() of " + items + " items is past the " + ChatTemplateEngine.MAX_ITEMS
                    + " a chat template may build");
        }
        return Functions.range(first, rest);
    }

    private static long whole(Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new ChatTemplateException("range() takes whole numbers, got '" + value + "'");
        }
    }
}
