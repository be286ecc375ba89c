package org.dualsparse.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.mode.ExecutionMode;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava set up to render chat templates as transformers' Jinja2 environment does: {@code
 * trim_blocks} and {@code lstrip_blocks}; Jinja2's operator precedence, keyword arguments and
 * stepped slices ({@link JinjaExpressionParser}); Python's string methods ({@link
 * PythonStringMethods}); loop filters and for-else ({@link JinjaForTag}); values written as Jinja2
 * writes them and never rendered a second time ({@link PythonExpressionOutput}); and transformers'
 * own {@code tojson} ({@link TojsonFilter}), {@code strftime_now} ({@link PythonStrftime}) and
 * {@code raise_exception(message)}.
 *
 * <p>A template is code from a model folder, so every render is bounded: output, strings, lists,
 * maps and ranges by the limits below ({@link PythonRange} refuses a longer range), macro recursion
 * by depth, loops by {@link
 * RenderBudget}. A template past a limit fails with a {@link ChatTemplateException}.
 */
final class ChatTemplateEngine extends Jinjava {

    /** Characters of a rendered prompt, and of any string built on the way: far past any model's context. */
    static final long MAX_OUTPUT_CHARS = 8_000_000;

    /** Items of a list, map or range a template builds. */
    static final int MAX_ITEMS = 100_000;

    private static final int MAX_RENDER_DEPTH = 10;

    /** Nested calls of a recursive macro, as Jinja2 allows them (to render nested tool schemas). */
    private static final int MAX_MACRO_DEPTH = 64;

    private final ExpressionFactory expressions;

    ChatTemplateEngine() {
        super(config());
        Properties syntax = new Properties();
        syntax.setProperty(TreeBuilder.class.getName(), JinjaSyntaxBuilder.class.getName());
        expressions = new ExpressionFactoryImpl(syntax, new TruthyTypeConverter());
        getGlobalContext().registerTag(new JinjaForTag());
        getGlobalContext().registerFilter(new TojsonFilter());
        getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", PythonStrftime.class, "now", String.class));
        getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "range", PythonRange.class, "range", Object.class, Object[].class));
    }

    @Override
    public ExpressionFactory getExpressionFactory() {
        return expressions;
    }

    private static JinjavaConfig config() {
        LegacyOverrides jinja2Semantics = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withUsePyishObjectMapper(true)
                .withKeepNullableLoopValues(true)
                .withHandleBackslashInQuotesOnly(true)
                .build();
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(jinja2Semantics)
                .withElResolver(resolver)
                .withNestedInterpretationEnabled(false)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withMaxListSize(MAX_ITEMS)
                .withMaxMapSize(MAX_ITEMS)
                .withRangeLimit(MAX_ITEMS)
                .withMaxRenderDepth(MAX_RENDER_DEPTH)
                .withEnableRecursiveMacroCalls(true)
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                .withExecutionMode(new ExecutionMode() {
                    @Override
                    public void prepareContext(Context context) {
                        context.setExpressionStrategy(new PythonExpressionOutput());
                    }
                })
                .build();
    }
}
