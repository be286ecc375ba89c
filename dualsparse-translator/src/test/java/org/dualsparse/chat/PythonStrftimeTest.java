package org.dualsparse.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;
import jinjava.javax.el.ELException;
import org.dualsparse.tokenizer.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** strftime_now's formatting; each expected string is Python 3.11's datetime.strftime (glibc) for the same time. */
class PythonStrftimeTest {

    private static final String FORMAT = "%d %b %Y|%A %B %-d, %Y|%a %y-%m-%d %H:%M:%S %I%p %j|%-m/%-d %-I %%";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = " => ", value = {
            "2026-03-07T09:05:04 => 07 Mar 2026|Saturday March 7, 2026|Sat 26-03-07 09:05:04 09AM 066|3/7 9 %",
            "2025-12-31T23:59:58 => 31 Dec 2025|Wednesday December 31, 2025|Wed 25-12-31 23:59:58 11PM 365|12/31 11 %",
            "2024-01-01T00:00:00 => 01 Jan 2024|Monday January 1, 2024|Mon 24-01-01 00:00:00 12AM 001|1/1 12 %",
    })
    void formatsAsPython(String time, String expected) {
        assertEquals(expected, PythonStrftime.format(FORMAT, LocalDateTime.parse(time)));
    }

    @Test
    void templatesCallItAsStrftimeNow() {
        String rendered = ChatTemplate.of("{{ strftime_now('%Y-%m-%d') }}", SpecialTokens.NONE)
                .render(List.of(ChatMessage.user("u")), false);
        LocalDate today = LocalDate.parse(rendered);
        assertTrue(Math.abs(today.toEpochDay() - LocalDate.now().toEpochDay()) <= 1, rendered);
    }

    @Test
    void anUnsupportedCodeIsNamed() {
        ELException e = assertThrows(ELException.class, () -> PythonStrftime.format("%Q", LocalDateTime.now()));
        assertEquals("strftime_now: unsupported code %Q in %Q", e.getMessage());
    }
}
