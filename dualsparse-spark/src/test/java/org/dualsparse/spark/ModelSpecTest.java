package org.dualsparse.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A model spec travels to executors: paths as absolute text, collections as lists, anything else refused. */
@Tag("kernel-insensitive")
class ModelSpecTest {

    @Test
    void pathsAndListsBecomePortableAndTheSpecSurvivesSerialization() throws Exception {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("profile", Path.of("profiles", "a.profile"));
        arguments.put("stop", List.of("\n\n", "Amen"));
        arguments.put("drop_rate", 0.25);
        arguments.put("weight_cache", null);
        ModelSpec spec = ModelSpec.of(Path.of("models", "..", "models", "kjv-moe"), arguments);

        assertEquals(Path.of("models", "kjv-moe").toAbsolutePath().toString(), spec.modelDir());
        assertEquals(Path.of("profiles", "a.profile").toAbsolutePath().toString(), spec.arguments().get("profile"));
        assertEquals(List.of("\n\n", "Amen"), spec.arguments().get("stop"));
        assertEquals(List.of("profile", "stop", "drop_rate"), List.copyOf(spec.arguments().keySet()), "unset arguments are left out");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(spec, in.readObject());
        }
    }

    @Test
    void aValueThatCannotTravelIsRefusedNamingIt() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.of(Path.of("m"), Map.of("callback", new Object())));
        assertTrue(refused.getMessage().contains("java.lang.Object"), refused.getMessage());
    }
}
