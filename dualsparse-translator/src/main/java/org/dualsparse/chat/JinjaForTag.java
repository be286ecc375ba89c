package org.dualsparse.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;

/**
 * Jinjava's {@code for} with two Jinja2 forms it lacks, and a bound on a render's passes ({@link
 * RenderBudget}). {@code {% for x in items if condition %}}
 * loops over the items the condition keeps, and {@code loop.index}, {@code loop.last}, ... count
 * those (Jinjava reads {@code items if condition} as a conditional expression, empty when the
 * condition is false). {@code {% for %}...{% else %}...{% endfor %}} renders the else part only
 * when there is nothing to loop over (Jinjava renders it inside every pass).
 */
final class JinjaForTag extends ForTag {

    private static final long serialVersionUID = 1L;

    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        var varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        String expression = varsAndExpression.getRight();
        int filterAt = topLevelIf(expression);
        int elseAt = elseIndex(tagNode);
        List<String> loopVars = varsAndExpression.getLeft();
        Object items = interpreter.resolveELExpression(
                filterAt < 0 ? expression : expression.substring(0, filterAt), tagNode.getLineNumber());
        if (filterAt >= 0) {
            items = kept(items, expression.substring(filterAt + " if ".length()), loopVars, tagNode, interpreter);
        }
        items = RenderBudget.counted(items, tagNode.getLineNumber());
        if (elseAt < 0) {
            return renderForCollection(tagNode, interpreter, loopVars, items);
        }
        List<Node> children = tagNode.getChildren();
        if (!ObjectIterator.getLoop(items).hasNext()) {
            StringBuilder out = new StringBuilder();
            for (Node child : children.subList(elseAt + 1, children.size())) {
                out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
        TagNode body = new TagNode(this, (TagToken) tagNode.getMaster(), tagNode.getSymbols());
        body.setChildren(new LinkedList<>(children.subList(0, elseAt)));
        return renderForCollection(body, interpreter, loopVars, items);
    }

    private static List<Object> kept(Object items, String condition, List<String> loopVars, TagNode tagNode,
            JinjavaInterpreter interpreter) {
        List<Object> kept = new ArrayList<>();
        ForLoop all = ObjectIterator.getLoop(items);
        while (all.hasNext()) {
            Object item = all.next();
            RenderBudget.spend(1, tagNode.getLineNumber());
            try (InterpreterScopeClosable scope = interpreter.enterScope()) {
                bind(interpreter, loopVars, item);
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    /** The position of the loop's own {@code {% else %}} among its children, or -1. */
    private static int elseIndex(TagNode tagNode) {
        List<Node> children = tagNode.getChildren();
        for (int i = 0; i < children.size(); i++) {
            if (children.get(i) instanceof TagNode tag && "else".equals(tag.getName())) {
                return i;
            }
        }
        return -1;
    }

    /** Binds the loop variables to one item, unpacking a map entry or a list into two or more names. */
    private static void bind(JinjavaInterpreter interpreter, List<String> loopVars, Object item) {
        if (loopVars.size() == 1) {
            interpreter.getContext().put(loopVars.get(0), item);
            return;
        }
        List<?> parts = item instanceof Map.Entry<?, ?> entry ? List.of(entry.getKey(), entry.getValue())
                : item instanceof List<?> list ? list : List.of(item);
        for (int i = 0; i < loopVars.size(); i++) {
            interpreter.getContext().put(loopVars.get(i), i < parts.size() ? parts.get(i) : null);
        }
    }

    /** Where {@code " if "} starts outside quotes and brackets, or -1: Jinja allows no bare conditional expression there. */
    static int topLevelIf(String expression) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && Character.isWhitespace(c) && expression.startsWith("if", i + 1)
                    && i + 3 < expression.length() && Character.isWhitespace(expression.charAt(i + 3))) {
                return i;
            }
        }
        return -1;
    }
}
