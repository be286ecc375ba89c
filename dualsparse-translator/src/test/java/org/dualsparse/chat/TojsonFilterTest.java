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

/**
 * {@code tojson} as transformers defines it (Python's json.dumps); each expected string is what
 * Jinja2 3.1.6 renders with transformers' filter.
 */
class TojsonFilterTest {

    private static final List<ChatMessage> MESSAGES = List.of(ChatMessage.system("s"), ChatMessage.user("u1"));

    static Stream<Arguments> dumps() {
        return Stream.of(
                Arguments.of("{{ {'name': 'get_weather', 'parameters': {'type': 'object', 'required': ['city'], 'n': none, 'ok': true} } | tojson }}", "{\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\", \"required\": [\"city\"], \"n\": null, \"ok\": true}}"),
                Arguments.of("{{ messages | tojson }}", "[{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u1\"}]"),
                Arguments.of("{{ {'b': 1, 'a': [1, 2.5, -0.001, 1e-05, 1e16, 123456789.125]} | tojson(sort_keys=true) }}", "{\"a\": [1, 2.5, -0.001, 1e-05, 1e+16, 123456789.125], \"b\": 1}"),
                Arguments.of("{{ {'a': [1, {'b': []}], 'c': {} } | tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ],\n  \"c\": {}\n}"),
                Arguments.of("{{ {'a': [1, 2]} | tojson(indent='\\t') }}", "{\n\t\"a\": [\n\t\t1,\n\t\t2\n\t]\n}"),
                Arguments.of("{{ {'a': 'é \"q\" \\\\ \\n\\t'} | tojson }}", "{\"a\": \"é \\\"q\\\" \\\\ \\n\\t\"}"),
                Arguments.of("{{ {'a': 'é ü 中'} | tojson(ensure_ascii=true) }}", "{\"a\": \"\\u00e9 \\u00fc \\u4e2d\"}"),
                Arguments.of("{{ [1, 2] | tojson(separators=(',', ':')) }}", "[1,2]"),
                Arguments.of("{{ 'plain' | tojson }}{{ 3 | tojson }}{{ 0.1 | tojson }}", "\"plain\"30.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void writesWhatPythonJsonDumpsWrites(String template, String expected) {
        assertEquals(expected, ChatTemplate.of(template, SpecialTokens.NONE).render(MESSAGES, false));
    }

    @Test
    void anUnknownArgumentIsNamed() {
        ChatTemplate template = ChatTemplate.of("{{ messages | tojson(indnet=2) }}", SpecialTokens.NONE);
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(MESSAGES, false));
        assertTrue(e.getMessage().contains("tojson has no argument indnet"), e.getMessage());
    }
}
