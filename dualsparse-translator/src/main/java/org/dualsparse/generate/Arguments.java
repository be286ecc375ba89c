package org.dualsparse.generate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed reads of loosely typed option maps (DJL arguments hold numbers, strings or lists). */
final class Arguments {

    private final Map<String, ?> values;

    Arguments(Map<String, ?> values) {
        this.values = values;
    }

    Optional<Integer> intValue(String key) {
        return number(key).map(n -> {
            if (n.doubleValue() != Math.rint(n.doubleValue()) || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
                throw invalid(key, "an integer");
            }
            return n.intValue();
        });
    }

    Optional<Long> longValue(String key) {
        Object value = values.get(key);
        if (value instanceof Integer || value instanceof Long) {
            return Optional.of(((Number) value).longValue());
        }
        if (value instanceof String s) {
            try {
                return Optional.of(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw invalid(key, "an integer");
            }
        }
        if (value != null) {
            throw invalid(key, "an integer");
        }
        return Optional.empty();
    }

    Optional<Double> doubleValue(String key) {
        return number(key).map(Number::doubleValue);
    }

    Optional<Boolean> boolValue(String key) {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Boolean b) {
            return Optional.of(b);
        }
        if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Optional.of(Boolean.parseBoolean(s));
        }
        throw invalid(key, "true or false");
    }

    /** A list of strings; one string is a one-element list. */
    Optional<List<String>> stringList(String key) {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            return Optional.of(List.of(s));
        }
        Collection<?> items = value instanceof Object[] array ? List.of(array) : value instanceof Collection<?> c ? c : null;
        if (items == null) {
            throw invalid(key, "a string or a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof String s)) {
                throw invalid(key, "a string or a list of strings");
            }
            out.add(s);
        }
        return Optional.of(out);
    }

    private Optional<Number> number(String key) {
        Object value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Number n) {
            return Optional.of(n);
        }
        if (value instanceof String s) {
            try {
                return Optional.of(Double.parseDouble(s.trim()));
            } catch (NumberFormatException e) {
                throw invalid(key, "a number");
            }
        }
        throw invalid(key, "a number");
    }

    private InvalidOptionException invalid(String key, String expected) {
        return new InvalidOptionException(key + " = " + values.get(key) + " is not " + expected);
    }
}
