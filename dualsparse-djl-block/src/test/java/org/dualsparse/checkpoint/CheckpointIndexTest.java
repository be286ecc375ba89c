package org.dualsparse.checkpoint;

import static org.dualsparse.checkpoint.SafetensorsCorruptionTest.assertMentions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.dualsparse.checkpoint.SafetensorsWriter.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sharded checkpoint opens only if its index and its shards agree exactly. */
class CheckpointIndexTest {

    private static final String FIRST = "model-00001-of-00002.safetensors";
    private static final String SECOND = "model-00002-of-00002.safetensors";

    @TempDir
    Path dir;

    private Path index;

    @BeforeEach
    void writeTwoShards() {
        // Shard 1 holds a and b, shard 2 holds c.
        SafetensorsWriter.writeSharded(dir, List.of(tensor("a"), tensor("b"), tensor("c")), DType.F32, 8);
        index = dir.resolve("model.safetensors.index.json");
    }

    @Test
    void theWrittenIndexOpens() {
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(checkpoint.names()));
        }
    }

    @Test
    void aMissingShard() throws IOException {
        Files.delete(dir.resolve(SECOND));
        assertCorrupt(index.toString(), SECOND, "missing");
    }

    @Test
    void aTensorTheAssignedShardDoesNotContain() throws IOException {
        writeIndex(Map.of("a", FIRST, "b", FIRST, "c", FIRST));
        assertCorrupt(index.toString(), "'c'", FIRST, "does not contain");
    }

    @Test
    void aTensorInTwoShards() throws IOException {
        SafetensorsWriter.write(dir.resolve(SECOND), List.of(tensor("c"), tensor("a")), DType.F32, Map.of());
        assertCorrupt(index.toString(), "'a'", FIRST, SECOND);
    }

    @Test
    void aTensorTheIndexDoesNotList() throws IOException {
        writeIndex(Map.of("a", FIRST, "c", SECOND));
        assertCorrupt(index.toString(), "'b'", FIRST, "does not list");
    }

    @Test
    void anIndexThatIsNotJson() throws IOException {
        Files.writeString(index, "{\"weight_map\": {\"a\": \"" + FIRST + "\"");
        assertCorrupt(index.toString(), "JSON");
    }

    @Test
    void anIndexWithoutWeightMap() throws IOException {
        Files.writeString(index, "{\"metadata\": {\"total_size\": 12}}");
        assertCorrupt(index.toString(), "weight_map");
    }

    @Test
    void aShardNameThatIsNotAString() throws IOException {
        Files.writeString(index, "{\"weight_map\": {\"a\": 1}}");
        assertCorrupt(index.toString(), "'a'", "not a file name");
    }

    @Test
    void aShardOutsideTheCheckpointDirectory() throws IOException {
        SafetensorsWriter.write(dir.getParent().resolve("outside.safetensors"), List.of(tensor("a")), DType.F32, Map.of());
        for (String shard : List.of("../outside.safetensors", dir.getParent().resolve("outside.safetensors").toString(), "..", "")) {
            writeIndex(Map.of("a", shard));
            assertCorrupt(index.toString(), "'a'", "'" + shard + "'", "not a file name");
        }
    }

    @Test
    void aCorruptShard() throws IOException {
        Files.write(dir.resolve(SECOND), new byte[3]);
        assertCorrupt(dir.resolve(SECOND).toString(), "3 bytes");
    }

    private void assertCorrupt(String... fragments) {
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.open(dir));
        assertMentions(e, fragments);
    }

    private void writeIndex(Map<String, String> weightMap) throws IOException {
        StringBuilder json = new StringBuilder("{\"metadata\": {\"total_size\": 12}, \"weight_map\": {");
        weightMap.forEach((tensor, shard) -> json.append('"').append(tensor).append("\": \"").append(shard).append("\","));
        json.setCharAt(json.length() - 1, '}');
        Files.writeString(index, json.append('}'));
    }

    private static Tensor tensor(String name) {
        return new Tensor(name, new long[] {1}, new float[] {1});
    }
}
