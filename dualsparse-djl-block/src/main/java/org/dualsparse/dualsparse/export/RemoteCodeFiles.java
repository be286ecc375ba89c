package org.dualsparse.dualsparse.export;

import com.google.gson.JsonElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.dualsparse.config.HfConfig;
import org.dualsparse.dualsparse.export.PartitionRefusedException.Reason;

/**
 * The Python files a config's {@code auto_map} loads from the model folder itself (hub remote
 * code such as DeepSeek's {@code configuration_deepseek.py} and {@code modeling_deepseek.py}),
 * which an export must carry along for {@code trust_remote_code} to load it. Entries of the
 * form {@code other/repo--module.Class} live in another repository and need no copy.
 */
final class RemoteCodeFiles {

    private RemoteCodeFiles() {}

    /**
     * The files, relative to {@code model}, that {@code config}'s {@code auto_map} names.
     *
     * @throws PartitionRefusedException if one of them is not in {@code model}
     */
    static List<String> of(HfConfig config, Path model) {
        if (!config.has("auto_map")) {
            return List.of();
        }
        if (!config.json().get("auto_map").isJsonObject()) {
            throw config.invalid("auto_map", "an object of class references");
        }
        TreeSet<String> files = new TreeSet<>();
        for (Map.Entry<String, JsonElement> entry : config.json().getAsJsonObject("auto_map").entrySet()) {
            for (String reference : references(config, entry.getKey(), entry.getValue())) {
                if (reference.contains("--")) {
                    continue;
                }
                int dot = reference.lastIndexOf('.');
                if (dot <= 0) {
                    throw config.invalid("auto_map", "module.Class references, not \"" + reference + "\"");
                }
                String file = reference.substring(0, dot).replace('.', '/') + ".py";
                if (!Files.isRegularFile(model.resolve(file))) {
                    throw new PartitionRefusedException(Reason.MISSING_REMOTE_CODE, config.source() + ": auto_map."
                            + entry.getKey() + " = \"" + reference + "\" loads " + model.resolve(file)
                            + ", which is missing; put the model's remote-code files next to config.json"
                            + " so the export can carry them");
                }
                files.add(file);
            }
        }
        return List.copyOf(files);
    }

    /** A reference, or a list of them with nulls (tokenizers: slow and fast class). */
    private static List<String> references(HfConfig config, String key, JsonElement value) {
        List<String> out = new ArrayList<>();
        if (value.isJsonPrimitive()) {
            out.add(value.getAsString());
        } else if (value.isJsonArray()) {
            for (JsonElement element : value.getAsJsonArray()) {
                if (element.isJsonPrimitive()) {
                    out.add(element.getAsString());
                } else if (!element.isJsonNull()) {
                    throw config.invalid("auto_map", "\"" + key + "\" to hold class references");
                }
            }
        } else if (!value.isJsonNull()) {
            throw config.invalid("auto_map", "\"" + key + "\" to hold class references");
        }
        return out;
    }
}
