package org.dualsparse.chat;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * {@code base[start:stop:step]} with Python's meaning: bounds may be left out or negative, a
 * negative step walks backwards ({@code messages[::-1]} is the messages reversed). A string gives a
 * string, a list, tuple or array a new list.
 */
final class SteppedSlice extends AstRightValue {

    private final AstNode base;
    private final AstNode start;
    private final AstNode stop;
    private final AstNode step;
    private final List<AstNode> children = new ArrayList<>();

    /** {@code start}, {@code stop} and {@code step} are null where the template leaves them out. */
    SteppedSlice(AstNode base, AstNode start, AstNode stop, AstNode step) {
        this.base = base;
        this.start = start;
        this.stop = stop;
        this.step = step;
        for (AstNode child : new AstNode[] {base, start, stop, step}) {
            if (child != null) {
                children.add(child);
            }
        }
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object sequence = base.eval(bindings, context);
        if (sequence == null) {
            return null;
        }
        Integer stepValue = bound(step, bindings, context);
        int by = stepValue == null ? 1 : stepValue;
        if (by == 0) {
            throw new ELException("slice step cannot be zero");
        }
        if (sequence instanceof CharSequence text) {
            List<Integer> indices = indices(text.length(), by, bindings, context);
            StringBuilder out = new StringBuilder(indices.size());
            indices.forEach(i -> out.append(text.charAt(i)));
            return out.toString();
        }
        List<?> items = asList(sequence);
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), by, bindings, context)) {
            out.add(items.get(i));
        }
        return out;
    }

    /** The positions Python's {@code range(*slice(start, stop, step).indices(length))} visits. */
    private List<Integer> indices(int length, int by, Bindings bindings, ELContext context) {
        Integer from = bound(start, bindings, context);
        Integer to = bound(stop, bindings, context);
        int first = by > 0 ? clamp(from, 0, length, 0, length) : clamp(from, -1, length - 1, length - 1, length);
        int end = by > 0 ? clamp(to, 0, length, length, length) : clamp(to, -1, length - 1, -1, length);
        List<Integer> indices = new ArrayList<>();
        for (int i = first; by > 0 ? i < end : i > end; i += by) {
            indices.add(i);
        }
        return indices;
    }

    private static int clamp(Integer bound, int lowest, int highest, int absent, int length) {
        if (bound == null) {
            return absent;
        }
        int position = bound < 0 ? bound + length : bound;
        return Math.max(lowest, Math.min(highest, position));
    }

    private static Integer bound(AstNode node, Bindings bindings, ELContext context) {
        if (node == null) {
            return null;
        }
        Object value = node.eval(bindings, context);
        return value == null ? null : bindings.convert(value, Integer.class);
    }

    private static List<?> asList(Object sequence) {
        if (sequence instanceof List<?> list) {
            return list;
        }
        if (sequence instanceof Collection<?> collection) {
            return new ArrayList<>(collection);
        }
        if (sequence.getClass().isArray()) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < Array.getLength(sequence); i++) {
                items.add(Array.get(sequence, i));
            }
            return items;
        }
        throw new ELException("cannot slice a " + sequence.getClass().getSimpleName() + " (" + sequence + ")");
    }

    @Override
    public void appendStructure(StringBuilder out, Bindings bindings) {
        base.appendStructure(out, bindings);
        out.append('[');
        appendBound(out, start, bindings);
        out.append(':');
        appendBound(out, stop, bindings);
        out.append(':');
        appendBound(out, step, bindings);
        out.append(']');
    }

    private static void appendBound(StringBuilder out, AstNode bound, Bindings bindings) {
        if (bound != null) {
            bound.appendStructure(out, bindings);
        }
    }

    @Override
    public int getCardinality() {
        return children.size();
    }

    @Override
    public AstNode getChild(int i) {
        return i < children.size() ? children.get(i) : null;
    }

    @Override
    public String toString() {
        return "[::]";
    }
}
