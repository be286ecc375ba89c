package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.CheckpointException;

/**
 * A sharded checkpoint whose {@code model.safetensors.index.json} is any bytes, beside two valid
 * shards: tensor to shard mapping, shard names (path traversal), tensors missing or duplicated.
 */
class ShardIndexFuzzTest {

    private static final Path DIR = Scratch.folder("sharded");

    static {
        Scratch.write(DIR, "model-00001-of-00002.safetensors", oneTensorFile("a.weight"));
        Scratch.write(DIR, "model-00002-of-00002.safetensors", oneTensorFile("b.weight"));
    }

    @FuzzTest(maxDuration = "5s")
    void loadsOrRefusesTheIndex(byte[] bytes) {
        Scratch.write(DIR, "model.safetensors.index.json", bytes);
        Refusals.onlyTyped(DIR, () -> {
            try (Checkpoint checkpoint = Checkpoint.open(DIR)) {
                for (String name : checkpoint.names()) {
                    checkpoint.float32(name);
                }
            }
        }, CheckpointException.class);
    }

    private static byte[] oneTensorFile(String name) {
        byte[] header = ("{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}").getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(Long.BYTES + header.length + 2 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).putFloat(1f).putFloat(2f)
                .array();
    }
}
