package org.dualsparse.dualsparse.parallel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** The lines of a text file that must be UTF-8; bytes that are not are refused, not replaced. */
final class Utf8Lines {

    private Utf8Lines() {}

    /**
     * The lines of {@code file}; a file that is not UTF-8 is refused with {@code refusal} given
     * the problem.
     */
    static List<String> read(Path file, Function<String, RuntimeException> refusal) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            return text.lines().toList();
        } catch (CharacterCodingException e) {
            throw refusal.apply("is not UTF-8 text");
        }
    }
}
