package org.dualsparse.arguments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Each rule of the strict argument reader: what it accepts and how it names what it refuses. */
class ArgumentReaderTest {

    @Test
    void absentKeysReadAsEmpty() {
        ArgumentReader args = new ArgumentReader(Map.of());
        assertEquals(Optional.empty(), args.integer("k"));
        assertEquals(Optional.empty(), args.bool("k"));
        assertEquals(Optional.empty(), args.choice("k", Map.of("a", 1)));
    }

    @Test
    void booleansAreTrueOrFalseInAnyCase() {
        assertEquals(Optional.of(true), read(Boolean.TRUE, a -> a.bool("k")));
        assertEquals(Optional.of(false), read("FALSE", a -> a.bool("k")));
        refused("yes", "true or false", a -> a.bool("k"));
        refused(1, "true or false", a -> a.bool("k"));
    }

    @Test
    void integersAreWholeNeverTruncatedAndWithinTheirType() {
        assertEquals(Optional.of(12), read("12", a -> a.integer("k")));
        assertEquals(Optional.of(4), read(4.0, a -> a.integer("k")), "JSON readers give integral doubles");
        assertEquals(Optional.of(5_000_000_000L), read("5000000000", a -> a.wholeNumber("k")));
        refused("2.5", "an integer", a -> a.integer("k"));
        refused(2.5, "an integer", a -> a.integer("k"));
        refused("1e3", "an integer", a -> a.integer("k"));
        refused("many", "an integer", a -> a.integer("k"));
        refused(5_000_000_000L, "an integer of 32 bits", a -> a.integer("k"));
        refused("99999999999999999999", "an integer", a -> a.wholeNumber("k"));
    }

    @Test
    void numbersAreReadFromTheirDecimalText() {
        assertEquals(Optional.of(0.2), read(0.2f, a -> a.number("k")));
        assertEquals(Optional.of(1000.0), read("1e3", a -> a.number("k")));
        refused("fast", "a number", a -> a.number("k"));
        refused(List.of(1), "a number", a -> a.number("k"));
    }

    @Test
    void rangesRefuseWhatLiesOutsideAndNaN() {
        assertEquals(Optional.of(1.0), read(1, a -> a.number("k", Range.aboveUpTo(0, 1))));
        refused(0, "in (0, 1]", a -> a.number("k", Range.aboveUpTo(0, 1)));
        refused("NaN", "in [0, 1]", a -> a.number("k", Range.closed(0, 1)));
        refused(-1, "in [0, ∞)", a -> a.integer("k", Range.atLeast(0)));
        refused("0.0", "in (0, ∞)", a -> a.number("k", Range.above(0)));
    }

    @Test
    void choicesAreNamesInAnyCaseAndErrorsListThem() {
        Map<String, Integer> choices = ArgumentReader.names(i -> "n" + i, 1, 2, 3);
        assertEquals(Optional.of(2), read("N2", a -> a.choice("k", choices)));
        refused("n4", "one of: n1, n2, n3", a -> a.choice("k", choices));
    }

    @Test
    void pathsAndStringLists() {
        assertEquals(Optional.of(Path.of("a", "b")), read(Path.of("a", "b"), a -> a.path("k")));
        assertEquals(Optional.of(Path.of("a.txt")), read("a.txt", a -> a.path("k")));
        assertEquals(Optional.of(List.of("x")), read("x", a -> a.strings("k")));
        assertEquals(Optional.of(List.of("x", "y")), read(new String[] {"x", "y"}, a -> a.strings("k")));
        refused(List.of("x", 1), "a string or a list of strings", a -> a.strings("k"));
        refused("a\0b", "a path: Nul character not allowed", a -> a.path("k"));
    }

    private static <T> T read(Object value, Function<ArgumentReader, T> read) {
        return read.apply(new ArgumentReader(Map.of("k", value)));
    }

    private static void refused(Object value, String expected, Function<ArgumentReader, ?> read) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> read(value, read));
        assertEquals("argument k = \"" + value + "\" is not " + expected, e.getMessage());
    }
}
