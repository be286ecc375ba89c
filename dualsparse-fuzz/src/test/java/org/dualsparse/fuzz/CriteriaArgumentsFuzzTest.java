package org.dualsparse.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.dualsparse.config.GenerationConfig;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.generate.GenerationOptions;
import org.dualsparse.model.Presets;
import org.dualsparse.zoo.LoadArguments;

/**
 * Criteria arguments of any keys and values (strings, numbers, booleans, lists, as DJL and
 * {@code serving.properties} give them), read by everything that takes them: the DualSparse
 * settings, the load options and the generation options. A refusal is an {@link
 * IllegalArgumentException} of the library's (not the JDK's {@link NumberFormatException}) that
 * names one of the arguments.
 */
class CriteriaArgumentsFuzzTest {

    private static final List<String> KEYS = Stream.of(DualSparseSettings.ARGUMENTS, LoadArguments.ARGUMENTS,
                    List.of("max_new_tokens", "temperature", "top_k", "top_p", "min_p", "repetition_penalty", "seed", "do_sample", "stop"))
            .flatMap(List::stream)
            .toList();

    private static final GenerationOptions DEFAULTS = GenerationOptions.defaults(GenerationConfig.from(Presets.load("olmoe-tiny", 1)));

    @FuzzTest(maxDuration = "5s")
    void readsOrRefusesTheArguments(FuzzedDataProvider data) {
        Map<String, Object> arguments = new HashMap<>();
        int count = data.consumeInt(1, 6);
        for (int i = 0; i < count; i++) {
            String key = data.consumeBoolean() ? data.pickValue(KEYS) : data.consumeString(16);
            arguments.put(key, value(data));
        }
        try {
            DualSparseSettings.fromArguments(arguments);
            LoadArguments.fromArguments(arguments);
            DEFAULTS.withArguments(arguments);
        } catch (IllegalArgumentException e) {
            // The JDK's own parse errors name no argument: the readers must turn them into theirs.
            if (e instanceof NumberFormatException) {
                throw e;
            }
            String message = String.valueOf(e.getMessage());
            assertTrue(KEYS.stream().filter(arguments::containsKey).anyMatch(message::contains), () -> "the refusal names no argument: " + message);
        }
    }

    private static Object value(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 6)) {
            case 0 -> data.consumeString(24);
            case 1 -> data.consumeLong();
            case 2 -> data.consumeDouble();
            case 3 -> data.consumeBoolean();
            case 4 -> data.consumeFloat();
            case 5 -> data.consumeInt();
            default -> {
                List<Object> list = new ArrayList<>();
                for (int n = data.consumeInt(0, 3); n > 0; n--) {
                    list.add(data.consumeString(8));
                }
                yield list;
            }
        };
    }
}
