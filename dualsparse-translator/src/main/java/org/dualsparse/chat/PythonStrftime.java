package org.dualsparse.chat;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import jinjava.javax.el.ELException;

/**
 * transformers' {@code strftime_now(format)}: the local time written by Python's {@code strftime}
 * in the C locale, for the codes chat templates use ({@code %d %b %Y}, ...), with glibc's {@code
 * %-d} style for no padding.
 */
final class PythonStrftime {

    private PythonStrftime() {}

    /** Called by templates as {@code strftime_now(format)}. */
    public static String now(String format) {
        return format(format, LocalDateTime.now());
    }

    static String format(String format, LocalDateTime time) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            boolean unpadded = i + 1 < format.length() && format.charAt(i + 1) == '-';
            int at = unpadded ? i + 2 : i + 1;
            if (at >= format.length()) {
                throw new ELException("strftime_now: format " + format + " ends inside a % code");
            }
            out.append(field(format.charAt(at), time, unpadded, format));
            i = at;
        }
        return out.toString();
    }

    private static String field(char code, LocalDateTime time, boolean unpadded, String format) {
        return switch (code) {
            case 'a' -> time.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> time.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'b' -> time.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> time.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'd' -> number(time.getDayOfMonth(), 2, unpadded);
            case 'm' -> number(time.getMonthValue(), 2, unpadded);
            case 'y' -> number(time.getYear() % 100, 2, unpadded);
            case 'Y' -> Integer.toString(time.getYear());
            case 'H' -> number(time.getHour(), 2, unpadded);
            case 'I' -> number(time.getHour() % 12 == 0 ? 12 : time.getHour() % 12, 2, unpadded);
            case 'M' -> number(time.getMinute(), 2, unpadded);
            case 'S' -> number(time.getSecond(), 2, unpadded);
            case 'j' -> number(time.getDayOfYear(), 3, unpadded);
            case 'p' -> time.getHour() < 12 ? "AM" : "PM";
            case '%' -> "%";
            default -> throw new ELException("strftime_now: unsupported code %" + code + " in " + format);
        };
    }

    private static String number(int value, int width, boolean unpadded) {
        return unpadded ? Integer.toString(value) : String.format("%0" + width + "d", value);
    }
}
