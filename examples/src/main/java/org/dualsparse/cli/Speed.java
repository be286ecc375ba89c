package org.dualsparse.cli;

import java.util.Locale;
import org.dualsparse.generate.Generation;

/** The one-line speed report printed after a generation. */
final class Speed {

    private Speed() {}

    static String of(Generation generation) {
        return String.format(Locale.ROOT, "[%d prompt tokens, prefill %.1f tokens/s; %d new tokens, decode %.1f tokens/s; %s]",
                generation.promptTokens(), generation.timing().prefillTokensPerSecond(),
                generation.tokenIds().length, generation.timing().decodeTokensPerSecond(),
                generation.finishReason().name().toLowerCase(Locale.ROOT));
    }
}
