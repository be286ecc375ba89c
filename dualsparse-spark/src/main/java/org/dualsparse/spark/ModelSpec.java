package org.dualsparse.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model every executor loads: a folder (on a path every executor can read) and the DJL
 * Criteria arguments it is loaded with (backend, DualSparse settings, generation options), as
 * {@code MoeCriteria} takes them. Serializable, to be broadcast; two equal specs name the same
 * loaded model.
 *
 * @param modelDir the checkpoint folder, absolute
 * @param arguments Criteria arguments: strings, numbers, booleans, or lists of strings
 */
public record ModelSpec(String modelDir, Map<String, Object> arguments) implements Serializable {

    public ModelSpec {
        arguments = Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }

    /**
     * A spec for {@code modelDir} with {@code arguments}; paths among the values become strings and
     * collections lists, so the spec can travel to the executors.
     */
    public static ModelSpec of(Path modelDir, Map<String, ?> arguments) {
        Map<String, Object> portable = new LinkedHashMap<>();
        arguments.forEach((key, value) -> {
            if (value != null) {
                portable.put(key, portable(value));
            }
        });
        return new ModelSpec(modelDir.toAbsolutePath().normalize().toString(), portable);
    }

    /** The checkpoint folder. */
    public Path modelPath() {
        return Path.of(modelDir);
    }

    private static Object portable(Object value) {
        if (value instanceof Path path) {
            return path.toAbsolutePath().normalize().toString();
        }
        if (value instanceof Collection<?> items) {
            ArrayList<String> list = new ArrayList<>();
            items.forEach(item -> list.add(String.valueOf(item)));
            return list;
        }
        if (value instanceof Serializable) {
            return value;
        }
        throw new IllegalArgumentException("argument value " + value + " (" + value.getClass().getName() + ") cannot be sent to executors");
    }
}
