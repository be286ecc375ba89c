package org.dualsparse.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods on template strings, with Python's arguments and results: {@code
 * strip}/{@code lstrip}/{@code rstrip} with or without the characters to strip, {@code startswith}
 * and {@code endswith} with a prefix or a tuple of them, {@code split} with or without a separator
 * and a maximum count, {@code replace} with an optional count, {@code upper}, {@code lower} and
 * {@code title}. Jinjava alone would call Java's {@code String} methods (regex {@code split}, no
 * {@code strip(chars)}).
 */
final class PythonStringMethods extends ELResolver {

    private static final Set<String> METHODS =
            Set.of("strip", "lstrip", "rstrip", "startswith", "endswith", "split", "replace", "upper", "lower", "title");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String text) || method == null || !METHODS.contains(method.toString())) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(text, method.toString(), args);
        context.setPropertyResolved(true);
        return result;
    }

    static Object call(String text, String method, Object[] args) {
        return switch (method) {
            case "strip" -> strip(text, chars(method, args), true, true);
            case "lstrip" -> strip(text, chars(method, args), true, false);
            case "rstrip" -> strip(text, chars(method, args), false, true);
            case "startswith" -> affixes(method, args, 1).stream().anyMatch(text::startsWith);
            case "endswith" -> affixes(method, args, 1).stream().anyMatch(text::endsWith);
            case "split" -> split(text, optionalString(method, args, 0, 2), optionalInt(method, args, 1, -1));
            case "replace" -> replace(text, string(method, args, 0, 3), string(method, args, 1, 3),
                    optionalInt(method, args, 2, -1));
            case "upper" -> noArguments(method, args, text.toUpperCase(Locale.ROOT));
            case "lower" -> noArguments(method, args, text.toLowerCase(Locale.ROOT));
            case "title" -> noArguments(method, args, title(text));
            default -> throw new IllegalArgumentException("not a Python str method: " + method);
        };
    }

    /** The characters {@code strip} removes; null means whitespace. */
    private static String chars(String method, Object[] args) {
        return optionalString(method, args, 0, 1);
    }

    private static String strip(String text, String chars, boolean left, boolean right) {
        int from = 0;
        int to = text.length();
        while (left && from < to && strips(text.charAt(from), chars)) {
            from++;
        }
        while (right && to > from && strips(text.charAt(to - 1), chars)) {
            to--;
        }
        return text.substring(from, to);
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's {@code str.isspace} for one character. */
    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }

    private static List<String> split(String text, String separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            while (true) {
                while (i < text.length() && isPythonSpace(text.charAt(i))) {
                    i++;
                }
                if (i == text.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(text.substring(i));
                    return parts;
                }
                int end = i;
                while (end < text.length() && !isPythonSpace(text.charAt(end))) {
                    end++;
                }
                parts.add(text.substring(i, end));
                i = end;
            }
        }
        if (separator.isEmpty()) {
            throw new ELException("split: empty separator");
        }
        int from = 0;
        for (int at = text.indexOf(separator); at >= 0 && (maxSplit < 0 || parts.size() < maxSplit);
                at = text.indexOf(separator, from)) {
            parts.add(text.substring(from, at));
            from = at + separator.length();
        }
        parts.add(text.substring(from));
        return parts;
    }

    private static String replace(String text, String old, String replacement, int count) {
        if (count < 0) {
            return text.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int done = 0; done < count; done++) {
            int at = old.isEmpty() ? (from <= text.length() ? from : -1) : text.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(text, from, at).append(replacement);
            if (old.isEmpty()) {
                if (at < text.length()) {
                    out.append(text.charAt(at));
                }
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        if (from < text.length()) {
            out.append(text, from, text.length());
        }
        return out.toString();
    }

    /** Python's {@code str.title}: a letter after a letter is lowered, any other letter raised. */
    private static String title(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean afterLetter = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(afterLetter ? Character.toLowerCase(c) : Character.toTitleCase(c));
            afterLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    private static List<String> affixes(String method, Object[] args, int arity) {
        if (args.length != arity) {
            throw arityError(method, args);
        }
        if (args[0] instanceof String affix) {
            return List.of(affix);
        }
        if (args[0] instanceof Iterable<?> many) {
            List<String> affixes = new ArrayList<>();
            for (Object affix : many) {
                affixes.add(requireString(method, affix));
            }
            return affixes;
        }
        throw new ELException(method + "() needs a string or a tuple of strings, got " + describe(args[0]));
    }

    private static String string(String method, Object[] args, int index, int maxArgs) {
        if (args.length <= index || args.length > maxArgs) {
            throw arityError(method, args);
        }
        return requireString(method, args[index]);
    }

    private static String optionalString(String method, Object[] args, int index, int maxArgs) {
        if (args.length > maxArgs) {
            throw arityError(method, args);
        }
        return args.length <= index || args[index] == null ? null : requireString(method, args[index]);
    }

    private static int optionalInt(String method, Object[] args, int index, int absent) {
        if (args.length <= index || args[index] == null) {
            return absent;
        }
        if (args[index] instanceof Number n) {
            return n.intValue();
        }
        throw new ELException(method + "() needs an integer count, got " + describe(args[index]));
    }

    private static Object noArguments(String method, Object[] args, Object result) {
        if (args.length != 0) {
            throw arityError(method, args);
        }
        return result;
    }

    private static String requireString(String method, Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw new ELException(method + "() needs a string, got " + describe(value));
    }

    private static ELException arityError(String method, Object[] args) {
        return new ELException("str." + method + "() does not take " + args.length + " argument(s)");
    }

    private static String describe(Object value) {
        return value == null ? "none" : value.getClass().getSimpleName() + " " + value;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Only methods are resolved here; properties are left to the resolvers after this one.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Collections.emptyIterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
