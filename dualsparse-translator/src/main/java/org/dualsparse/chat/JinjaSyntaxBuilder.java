package org.dualsparse.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import jinjava.de.odysseus.el.tree.impl.Parser;

/** Builds expression trees with {@link JinjaExpressionParser}; named by class in {@link ChatTemplateEngine}'s factory. */
public final class JinjaSyntaxBuilder extends ExtendedSyntaxBuilder {

    private static final long serialVersionUID = 1L;

    public JinjaSyntaxBuilder() {
        super();
    }

    public JinjaSyntaxBuilder(Feature... features) {
        super(features);
    }

    @Override
    protected Parser createParser(String expression) {
        RenderBudget.checkClock();
        return new JinjaExpressionParser(this, expression);
    }
}
