package org.dualsparse.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import org.dualsparse.arguments.InvalidArgumentException;
import org.dualsparse.dualsparse.drop.DropPolicy;
import org.dualsparse.dualsparse.partition.Partition;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Criteria arguments of the wrong type or outside their range, DualSparse's and generation's
 * alike, refuse to load with an error that names the argument and the value.
 */
class CriteriaArgumentsTest {

    @TempDir
    static Path dir;

    static Path qwen;

    @BeforeAll
    static void writeModel() {
        qwen = TinyModels.qwen(dir.resolve("qwen"));
    }

    @Test
    void aValueOfTheWrongTypeIsRefused() {
        assertRefused("partition", "two", "is not an integer");
        assertRefused("force_threshold", "yes", "is not true or false");
        assertRefused("reconstruct", "sideways", "is not one of: none, weight, profile");
        assertRefused("do_sample", "sometimes", "is not true or false");
    }

    @Test
    void aValueOutsideItsRangeIsRefused() {
        assertRefused("partition", 0, "is not in [1, ∞)");
        assertRefused("drop_rate", "1.5", "is not in [0, 1]");
        assertRefused("major_fraction", 0, "is not in (0, 1]");
        assertRefused("max_new_tokens", "3000000000", "is not an integer of 32 bits");
    }

    @Test
    void anIntegerIsNeverTruncated() {
        assertRefused("partition", "2.5", "is not an integer");
        assertRefused("partition", 2.5, "is not an integer");
        assertRefused("partition", "1e3", "is not an integer");
        assertRefused("top_k", 2.5, "is not an integer");
    }

    @Test
    void aWholeNumberOfAnyTypeIsAccepted() throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument("partition", "4").optArgument("method", "NONE").optArgument("max_new_tokens", 2.0).build();
        try (ZooModel<String, String> model = criteria.loadModel()) {
            DualSparseRuntime method = DualSparseRuntime.of(model.getBlock()).orElseThrow();
            assertEquals(4, method.blocks().get(0).parts());
            assertSame(DropPolicy.NONE, method.policy());
        }
    }

    @Test
    void theMajorFractionPicksTheMajorSubExperts() throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument("partition", 4).optArgument("major_fraction", "0.75").optArgument("threshold", 0.1).build();
        try (ZooModel<String, String> model = criteria.loadModel()) {
            DualSparseRuntime method = DualSparseRuntime.of(model.getBlock()).orElseThrow();
            assertEquals(new Partition(4, 3), method.blocks().get(0).experts().partition());
        }
        Criteria<String, String> uneven = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument("partition", 4).optArgument("major_fraction", 0.3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, uneven::loadModel);
        assertTrue(e.getMessage().contains("major fraction 0.3 of 4 sub-experts"), e.getMessage());
    }

    private static void assertRefused(String key, Object value, String problem) {
        Criteria<String, String> criteria = MoeCriteria.builder().setTypes(String.class, String.class).optModelPath(qwen)
                .optArgument(key, value).build();
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, criteria::loadModel);
        assertEquals("argument " + key + " = \"" + value + "\" " + problem, e.getMessage());
    }
}
