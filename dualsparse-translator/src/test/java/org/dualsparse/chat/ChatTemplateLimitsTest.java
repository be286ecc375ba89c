package org.dualsparse.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.dualsparse.tokenizer.SpecialTokens;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chat template is code from a model folder: templates that would loop for hours, grow a string
 * exponentially, recurse or print without end are stopped at the engine's limits with a {@link
 * ChatTemplateException}. The timeout only guards against a hang; the limits hit within seconds.
 */
class ChatTemplateLimitsTest {

    private static final List<ChatMessage> CONVERSATION = List.of(ChatMessage.user("hi"));

    @ParameterizedTest
    @ValueSource(strings = {
        // 10^10 passes that write nothing
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        // nested loops over the messages' own content, a billion passes
        "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}{{ '' }}{% endfor %}{% endfor %}{% endfor %}",
        // a string doubled 40 times: a terabyte
        "{% set s = namespace(v='ab') %}{% for i in range(40) %}{% set s.v = s.v ~ s.v %}{% endfor %}{{ s.v|length }}",
        // output without end
        "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
        "{% for i in range(1000) %}{{ 'x' * 7000000 }}{% endfor %}",
        // passes that each build a 14 MB string: stopped by the clock
        "{% for i in range(5000) %}{% set x = 'ab' * 3500000 %}{% endfor %}",
        // a range past the limit
        "{{ range(1000000000)|length }}",
        // recursion
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    })
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aHostileTemplateStopsAtALimit(String source) {
        ChatTemplate template = ChatTemplate.of(source, SpecialTokens.NONE);
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(CONVERSATION, true));
        assertTrue(e.getMessage().contains("the given template") || e.getMessage().contains("ran past"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 60})
    void aRecursiveMacroWithinTheDepthRendersAsInJinja2(int depth) {
        String source = "{% macro nest(n) %}{% if n > 0 %}({{ nest(n - 1) }}){% endif %}{% endmacro %}{{ nest(" + depth + ") }}";
        assertEquals("(".repeat(depth) + ")".repeat(depth), ChatTemplate.of(source, SpecialTokens.NONE).render(CONVERSATION, false));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 1000})
    void aLongConversationRendersWithinTheLimits(int messages) {
        List<ChatMessage> conversation = IntStream.range(0, messages)
                .mapToObj(i -> i % 2 == 0 ? ChatMessage.user("question " + i) : ChatMessage.assistant("answer " + i))
                .toList();
        String rendered = ChatTemplate.of("{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}", SpecialTokens.NONE)
                .render(conversation, false);
        assertEquals(messages, rendered.lines().count());
    }
}
