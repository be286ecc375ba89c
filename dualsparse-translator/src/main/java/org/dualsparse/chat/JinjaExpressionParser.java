package org.dualsparse.chat;

import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELException;

/**
 * Jinjava's expression parser with three rules put back as Jinja2 has them, where chat templates
 * rely on them:
 *
 * <ul>
 *   <li>{@code not} binds looser than comparisons and tests: {@code not x is defined} is {@code
 *       not (x is defined)}, {@code not a == b} is {@code not (a == b)};
 *   <li>a keyword argument's value is a whole expression: {@code namespace(i=messages|length - 1)}
 *       (Jinjava parses {@code =} as an additive operator, so that read {@code (i=...) - 1});
 *   <li>subscripts take Python's three-part slices: {@code messages[::-1]}, {@code s[1:-1:2]}.
 * </ul>
 *
 * Assumes Jinjava's natural operator precedence (see {@link ChatTemplateEngine}).
 */
final class JinjaExpressionParser extends ExtendedParser {

    JinjaExpressionParser(Builder context, String input) {
        super(context, input);
        // '=' is only read by expr() below, after a keyword name; as an operand it is an error.
        putExtensionHandler(NamedParameterOperator.TOKEN, new ExtensionHandler(ExtensionPoint.UNARY) {
            @Override
            public AstNode createAstNode(AstNode... children) {
                throw new ELException("'=' must follow a keyword argument's name");
            }
        });
    }

    @Override
    protected AstNode expr(boolean required) throws ScanException, ParseException {
        AstNode v = super.expr(required);
        if (v instanceof AstIdentifier name && isKeywordEquals()) {
            consumeToken();
            return new AstNamedParameter(name, expr(true));
        }
        return v;
    }

    @Override
    protected AstNode eq(boolean required) throws ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.NOT) {
            consumeToken();
            return createAstUnary(eq(true), AstUnary.NOT);
        }
        return super.eq(required);
    }

    @Override
    protected AstNode value() throws ScanException, ParseException {
        boolean lvalue = true;
        AstNode v = nonliteral();
        if (v == null) {
            v = literal();
            if (v == null) {
                return null;
            }
            lvalue = false;
        }
        while (true) {
            switch (getToken().getSymbol()) {
                case DOT -> {
                    consumeToken();
                    AstDot dot = createAstDot(v, consumeToken(Symbol.IDENTIFIER).getImage(), lvalue);
                    v = callsMethod() ? createAstMethod(dot, params()) : dot;
                }
                case LBRACK -> v = subscript(v, lvalue);
                default -> {
                    return v;
                }
            }
        }
    }

    /** {@code base[index]}, {@code base[start:stop]} or {@code base[start:stop:step]}, each part optional in a slice. */
    private AstNode subscript(AstNode base, boolean lvalue) throws ScanException, ParseException {
        consumeToken(Symbol.LBRACK);
        boolean strict = !context.isEnabled(Builder.Feature.NULL_PROPERTIES);
        AstNode start = sliceBound();
        if (getToken().getSymbol() == Symbol.RBRACK) {
            consumeToken();
            AstBracket bracket = createAstBracket(base, start, lvalue, strict);
            return callsMethod() ? createAstMethod(bracket, params()) : bracket;
        }
        consumeToken(Symbol.COLON);
        AstNode stop = sliceBound();
        if (getToken().getSymbol() == Symbol.RBRACK) {
            consumeToken();
            return createAstRangeBracket(base, start, stop, lvalue, strict);
        }
        consumeToken(Symbol.COLON);
        AstNode step = sliceBound();
        consumeToken(Symbol.RBRACK);
        return new SteppedSlice(base, start, stop, step);
    }

    private AstNode sliceBound() throws ScanException, ParseException {
        Symbol next = getToken().getSymbol();
        return next == Symbol.COLON || next == Symbol.RBRACK ? null : expr(true);
    }

    private boolean callsMethod() {
        return getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS);
    }

    private boolean isKeywordEquals() {
        return getToken().getSymbol() == Symbol.EXTENSION
                && NamedParameterOperator.TOKEN.getImage().equals(getToken().getImage());
    }
}
