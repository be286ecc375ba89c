package org.dualsparse.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELException;

/**
 * transformers' {@code tojson(x, ensure_ascii=False, indent=None, separators=None,
 * sort_keys=False)}, which replaces Jinja's own (that one escapes HTML characters); arguments by
 * position or by name.
 */
final class TojsonFilter implements Filter {

    private static final List<String> PARAMETERS = List.of("ensure_ascii", "indent", "separators", "sort_keys");

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object[] values = new Object[PARAMETERS.size()];
        if (args.length > values.length) {
            throw new ELException("tojson takes at most " + values.length + " arguments, got " + args.length);
        }
        System.arraycopy(args, 0, values, 0, args.length);
        kwargs.forEach((name, value) -> {
            int at = PARAMETERS.indexOf(name);
            if (at < 0) {
                throw new ELException("tojson has no argument " + name + " (it takes " + PARAMETERS + ")");
            }
            values[at] = value;
        });
        return new PythonJson(truth(values[0]), indent(values[1]), separators(values[2]), truth(values[3])).dumps(var);
    }

    private static boolean truth(Object value) {
        return value instanceof Boolean b ? b : value != null && !"".equals(value) && !Long.valueOf(0).equals(value);
    }

    private static String indent(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Number n) {
            return " ".repeat(Math.max(0, n.intValue()));
        }
        return value.toString();
    }

    private static List<String> separators(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String
                && pair.get(1) instanceof String) {
            return List.of((String) pair.get(0), (String) pair.get(1));
        }
        throw new ELException("tojson separators must be two strings, got " + value);
    }
}
