package org.dualsparse.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dualsparse.config.HfConfig;

/**
 * The special token strings of {@code tokenizer_config.json} ({@code bos_token}, {@code
 * eos_token}, ...), null where the file leaves them unset. HF saves each either as a string or as
 * an added-token object with a {@code content} field.
 */
public record SpecialTokens(String bos, String eos, String pad, String unk) {

    public static final SpecialTokens NONE = new SpecialTokens(null, null, null, null);

    static SpecialTokens read(HfConfig config) {
        return new SpecialTokens(
                content(config, "bos_token"), content(config, "eos_token"),
                content(config, "pad_token"), content(config, "unk_token"));
    }

    /** The tokens a chat template sees as variables ({@code bos_token}, ...), only those that are set. */
    public Map<String, Object> templateVariables() {
        Map<String, Object> variables = new LinkedHashMap<>();
        putIfSet(variables, "bos_token", bos);
        putIfSet(variables, "eos_token", eos);
        putIfSet(variables, "pad_token", pad);
        putIfSet(variables, "unk_token", unk);
        return variables;
    }

    private static void putIfSet(Map<String, Object> variables, String name, String value) {
        if (value != null) {
            variables.put(name, value);
        }
    }

    private static String content(HfConfig config, String key) {
        if (!config.has(key)) {
            return null;
        }
        if (config.json().get(key).isJsonObject()) {
            return config.object(key).stringOr("content", null);
        }
        return config.stringOr(key, null);
    }
}
