package org.dualsparse.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchLimitTest {

    @Test
    void chunksStayWithinTheRowAndTokenLimitsAndKeepTheOrder() {
        List<Integer> widths = IntStream.range(0, 1000).map(i -> i % 10 == 9 ? 3000 : 1 + i % 200).boxed().toList();
        List<List<Integer>> chunks = new ArrayList<>();
        List<Integer> results = BatchLimit.inChunks(widths, w -> w, chunk -> {
            chunks.add(chunk);
            return chunk;
        });
        assertEquals(widths, results);
        for (List<Integer> chunk : chunks) {
            int widest = chunk.stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(chunk.size() <= BatchLimit.MAX_ROWS);
            assertTrue(chunk.size() == 1 || (long) widest * chunk.size() <= BatchLimit.MAX_TOKENS, chunk.toString());
        }
    }

    @Test
    void aSequenceWiderThanTheBudgetRunsAlone() {
        List<List<Integer>> chunks = new ArrayList<>();
        BatchLimit.inChunks(List.of(1, BatchLimit.MAX_TOKENS + 1, 1), w -> w, chunk -> {
            chunks.add(chunk);
            return chunk;
        });
        assertEquals(List.of(List.of(1), List.of(BatchLimit.MAX_TOKENS + 1), List.of(1)), chunks);
    }

    @Test
    void narrowSequencesFillWholeChunksOfMaxRows() {
        List<Integer> sizes = new ArrayList<>();
        BatchLimit.inChunks(IntStream.range(0, 130).mapToObj(i -> 4).toList(), w -> w, chunk -> {
            sizes.add(chunk.size());
            return chunk;
        });
        assertEquals(List.of(BatchLimit.MAX_ROWS, BatchLimit.MAX_ROWS, 2), sizes);
    }
}
