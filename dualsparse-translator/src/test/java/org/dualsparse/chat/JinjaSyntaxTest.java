package org.dualsparse.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dualsparse.tokenizer.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Jinja2 syntax our engine adds to Jinjava, each expected output as Python's Jinja2 3.1
 * renders it (the strings were checked with /tmp/hfenv/bin/python and jinja2).
 */
class JinjaSyntaxTest {

    private static final List<ChatMessage> MESSAGES =
            List.of(ChatMessage.system("s"), ChatMessage.user("u1"), ChatMessage.assistant("a"), ChatMessage.user("u2"));

    private static String render(String source) {
        return ChatTemplate.of(source, SpecialTokens.NONE).render(MESSAGES, false);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "{% for m in messages[::-1] %}{{ m.content }},{% endfor %} => u2,a,u1,s,",
            "{% for m in messages[::2] %}{{ m.content }},{% endfor %} => s,a,",
            "{% for m in messages[-1:0:-2] %}{{ m.content }},{% endfor %} => u2,u1,",
            "{% for m in messages[1::] %}{{ m.content }},{% endfor %} => u1,a,u2,",
            "{% for m in messages[10:-10:-1] %}{{ m.content }},{% endfor %} => u2,a,u1,s,",
            "{{ 'abcdef'[::-2] }} => fdb",
            "{{ 'abcdef'[1:5:2] }} => bd",
            "{{ messages[::-1][0].content }} => u2",
            "{{ messages[1:3] | length }} => 2",
    })
    void steppedSlices(String template, String expected) {
        assertEquals(expected, render(template));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "{% if not undefined_name is defined %}yes{% endif %} => yes",
            "{% if not messages is defined %}yes{% else %}no{% endif %} => no",
            "{{ 'yes' if not 1 == 2 else 'no' }} => yes",
            "{{ 'yes' if not messages | length > 3 else 'no' }} => no",
            "{{ 'yes' if not false and false else 'no' }} => no",
            "{{ 'yes' if not (messages | length) else 'no' }} => no",
    })
    void notBindsLooserThanComparisonsAndTests(String template, String expected) {
        assertEquals(expected, render(template));
    }

    @Test
    void keywordArgumentsTakeWholeExpressions() {
        assertEquals("3 yes", render(
                "{% set ns = namespace(last=messages|length - 1, found=false or true) %}{{ ns.last }} {{ 'yes' if ns.found else 'no' }}"));
        assertEquals("2", render(
                "{% set ns = namespace(i=0) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.i = loop.index0 %}{% endif %}{% endfor %}{{ ns.i - 1 }}"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", quoteCharacter = '`', value = {
            "{% for m in messages if m.role == 'user' %}{{ loop.index }}{{ m.content }}{{ '.' if loop.last }}{% endfor %} => 1u12u2.",
            "{% for k, v in {'a': 1, 'b': 2}.items() if v > 1 %}{{ k }}{% endfor %} => b",
            "{% for m in messages if m.content not in [' if ', 'a'] %}{{ m.content }}{% else %}none{% endfor %} => su1u2",
            "{% for m in messages if m.role == 'tool' %}{{ m.content }}{% else %}none{% endfor %} => none",
            "{% for m in [] %}x{% else %}empty{% endfor %} => empty",
            "{% for m in messages %}{{ m.content }}{% else %}empty{% endfor %} => su1au2",
            "{% for m in messages %}{% if m.role == 'user' %}U{% else %}o{% endif %}{% endfor %} => oUoU",
    })
    void loopFiltersAndForElseAsJinja2(String template, String expected) {
        assertEquals(expected, render(template));
    }

    @Test
    void booleansAreWrittenAsPythonWritesThem() {
        assertEquals("True|True|False|", render("{{ true }}|{{ 1 == 1 }}|{{ not true }}|{{ undefined_name }}"));
    }

    @Test
    void aStrayEqualsSignIsAnError() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render("{{ (= 1) }}"));
        assertTrue(e.getMessage().contains("cannot render"), e.getMessage());
    }

    @Test
    void aZeroStepIsAnError() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render("{{ messages[::0] }}"));
        assertTrue(e.getMessage().contains("slice step cannot be zero"), e.getMessage());
    }
}
