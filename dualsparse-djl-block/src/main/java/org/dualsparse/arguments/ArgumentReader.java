package org.dualsparse.arguments;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed reads of a loosely typed argument map, as DJL Criteria arguments and {@code
 * serving.properties} give them: values are strings, numbers, booleans or lists. An absent key (or
 * a null value) reads as empty; a present one reads as a value of the asked type within the asked
 * range, or is refused with an {@link InvalidArgumentException} naming the argument and its value.
 *
 * <p>The rules: a boolean is {@code true} or {@code false} (any case); an integer is a whole
 * number, an integral {@code Double} as JSON readers give them, or a string of digits, never
 * {@code "2.5"} or {@code "1e3"}, and never outside its Java type; a number is a {@link Number} or
 * a decimal string, read from its decimal text (a {@code Float 0.2f} is 0.2); a choice is one of
 * its names, in any case.
 */
public final class ArgumentReader {

    private static final Range ALL = new Range(Double.NEGATIVE_INFINITY, true, Double.POSITIVE_INFINITY);

    private final Map<String, ?> values;

    public ArgumentReader(Map<String, ?> values) {
        this.values = values;
    }

    /** Whether {@code key} is given. */
    public boolean has(String key) {
        return values.get(key) != null;
    }

    public Optional<Boolean> bool(String key) {
        return read(key, value -> {
            String text = value.toString();
            if (!(value instanceof Boolean || value instanceof String) || !text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                throw invalid(key, value, "true or false");
            }
            return Boolean.parseBoolean(text);
        });
    }

    /** An {@code int} in {@code range}. */
    public Optional<Integer> integer(String key, Range range) {
        return wholeNumber(key, range).map(n -> {
            if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
                throw invalid(key, values.get(key), "an integer of 32 bits");
            }
            return n.intValue();
        });
    }

    /** Any {@code int}. */
    public Optional<Integer> integer(String key) {
        return integer(key, ALL);
    }

    /** A {@code long} in {@code range}. */
    public Optional<Long> wholeNumber(String key, Range range) {
        return read(key, value -> inRange(key, value, whole(key, value), range));
    }

    /** Any {@code long}. */
    public Optional<Long> wholeNumber(String key) {
        return wholeNumber(key, ALL);
    }

    /** A number in {@code range} (NaN lies in none). */
    public Optional<Double> number(String key, Range range) {
        return number(key).map(n -> inRange(key, values.get(key), n, range));
    }

    /** Any number, NaN and infinities included: the reader of the value judges them. */
    public Optional<Double> number(String key) {
        return read(key, value -> {
            if (value instanceof Number || value instanceof String) {
                try {
                    return Double.parseDouble(value.toString().trim());
                } catch (NumberFormatException e) {
                    // refused below
                }
            }
            throw invalid(key, value, "a number");
        });
    }

    /** A path: a {@link Path} or its text. */
    public Optional<Path> path(String key) {
        return read(key, value -> {
            if (value instanceof Path p) {
                return p;
            }
            try {
                return Path.of(value.toString());
            } catch (InvalidPathException e) {
                throw invalid(key, value, "a path: " + e.getReason());
            }
        });
    }

    /** A list of strings; one string is a one-element list. */
    public Optional<List<String>> strings(String key) {
        return read(key, value -> {
            if (value instanceof String s) {
                return List.of(s);
            }
            Collection<?> items = value instanceof Object[] array ? Arrays.asList(array)
                    : value instanceof Collection<?> c ? c : List.of(value);
            List<String> out = new ArrayList<>();
            for (Object item : items) {
                if (!(item instanceof String s)) {
                    throw invalid(key, value, "a string or a list of strings");
                }
                out.add(s);
            }
            return out;
        });
    }

    /**
     * One of {@code choices} by name, in any case.
     *
     * @param choices lower-case names and what each means, in the order an error lists them
     */
    public <T> Optional<T> choice(String key, Map<String, T> choices) {
        return read(key, value -> {
            T chosen = choices.get(value.toString().toLowerCase(Locale.ROOT));
            if (chosen == null) {
                throw invalid(key, value, "one of: " + String.join(", ", choices.keySet()));
            }
            return chosen;
        });
    }

    /** The names of {@code values} by {@code name}, in their order, for {@link #choice}; a new map the caller may extend. */
    @SafeVarargs
    public static <E> Map<String, E> names(Function<E, String> name, E... values) {
        Map<String, E> names = new LinkedHashMap<>();
        for (E value : values) {
            names.put(name.apply(value), value);
        }
        return names;
    }

    private <T> Optional<T> read(String key, Function<Object, T> reader) {
        Object value = values.get(key);
        return value == null ? Optional.empty() : Optional.of(reader.apply(value));
    }

    private static long whole(String key, Object value) {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
                return (long) d;
            }
        } else if (value instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                // refused below
            }
        }
        throw invalid(key, value, "an integer");
    }

    private static <N extends Number> N inRange(String key, Object value, N number, Range range) {
        if (!range.contains(number.doubleValue())) {
            throw invalid(key, value, "in " + range);
        }
        return number;
    }

    private static InvalidArgumentException invalid(String key, Object value, String expected) {
        return new InvalidArgumentException("argument " + key + " = \"" + value + "\" is not " + expected);
    }
}
