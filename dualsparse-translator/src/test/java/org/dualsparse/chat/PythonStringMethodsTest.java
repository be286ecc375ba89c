package org.dualsparse.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.dualsparse.tokenizer.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Python's str methods in templates; each expected string is what Python's Jinja2 3.1.6 renders. */
class PythonStringMethodsTest {

    static Stream<Arguments> calls() {
        return Stream.of(
                Arguments.of("{{ '\\n\\n<think>x</think>\\n'.strip('\\n') }}", "<think>x</think>"),
                Arguments.of("{{ '  \\t padded \\n '.strip() }}", "padded"),
                Arguments.of("{{ 'xxhixx'.lstrip('x') ~ '|' ~ 'xxhixx'.rstrip('x') }}", "hixx|xxhi"),
                Arguments.of("{{ '  hi  '.lstrip() ~ '|' ~ '  hi  '.rstrip() ~ '|' }}", "hi  |  hi|"),
                Arguments.of("{{ 'abcba'.strip('ab') }}", "c"),
                Arguments.of("{{ 'yes' if '<tool_response>r</tool_response>'.startswith('<tool_response>') else 'no' }}", "yes"),
                Arguments.of("{{ 'yes' if '<tool_response>r</tool_response>'.endswith('</tool_response>') else 'no' }}", "yes"),
                Arguments.of("{{ 'yes' if 'abc'.startswith(('x', 'ab')) else 'no' }}", "yes"),
                Arguments.of("{{ 'yes' if 'abc'.endswith(('x', 'y')) else 'no' }}", "no"),
                Arguments.of("{{ 'a</think>b</think>c'.split('</think>') | join(',') }}", "a,b,c"),
                Arguments.of("{{ 'a</think>b</think>c'.split('</think>')[-1] }}", "c"),
                Arguments.of("{{ 'a.b.c'.split('.', 1) | join(',') }}", "a,b.c"),
                Arguments.of("{{ '  one  two\\tthree  '.split() | join(',') }}", "one,two,three"),
                Arguments.of("{{ '  one  two three  '.split(none, 1) | join(',') }}", "one,two three  "),
                Arguments.of("{{ ',a,,b,'.split(',') | length }}", "5"),
                Arguments.of("{{ 'aaaa'.replace('a', 'b', 2) }}", "bbaa"),
                Arguments.of("{{ 'aaaa'.replace('aa', 'c') }}", "cc"),
                Arguments.of("{{ 'ab'.replace('', '-') }}", "-a-b-"),
                Arguments.of("{{ 'ab'.replace('', '-', 2) }}", "-a-b"),
                Arguments.of("{{ 'Grüße'.upper() ~ '|' ~ 'ÀB'.lower() }}", "GRÜSSE|àb"),
                Arguments.of("{{ \"they're bill's friends from the UK\".title() }}", "They'Re Bill'S Friends From The Uk"),
                Arguments.of("{{ 'hello world'.title() }}", "Hello World"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("calls")
    void rendersAsJinja2(String template, String expected) {
        assertEquals(expected, ChatTemplate.of(template, SpecialTokens.NONE).render(List.of(ChatMessage.user("u")), false));
    }

    @Test
    void aWrongArgumentIsReportedWithTheMethod() {
        ChatTemplate template = ChatTemplate.of("{{ 'abc'.startswith(1) }}", SpecialTokens.NONE);
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> template.render(List.of(ChatMessage.user("u")), false));
        assertTrue(e.getMessage().contains("startswith() needs a string or a tuple of strings, got Long 1"), e.getMessage());
    }
}
