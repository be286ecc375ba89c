package org.dualsparse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.moe.Routing;
import org.junit.jupiter.api.Test;

class RouterStatisticsTest {

    /** Token 0 weighs its experts 3:1, token 1 evenly; experts 0..3 get 2, 1, 1 and 0 pairs. */
    private static final Routing ROUTING = new Routing(null, null, new long[] {0, 1, 0, 2}, new float[] {0.6f, 0.2f, 0.5f, 0.5f}, 2, 2);

    @Test
    void concentrationAndLoadSpreadByHand() {
        RouterStatistics s = RouterStatistics.of(ROUTING, 4);
        assertEquals(((0.75 - 0.5) / 0.5 + 0) / 2, s.concentration(), 1e-6);
        assertEquals(Math.sqrt(0.5), s.loadCv(), 1e-9);
    }

    @Test
    void layersAreMeasuredApartThenAveraged() {
        Routing even = new Routing(null, null, new long[] {0, 1, 2, 3}, new float[] {1, 1, 1, 1}, 2, 2);
        RouterStatistics s = RouterStatistics.meanOverLayers(List.of(new LayerRouting(0, ROUTING), new LayerRouting(1, even)), 4);
        assertEquals(0.125, s.concentration(), 1e-6);
        assertEquals(Math.sqrt(0.5) / 2, s.loadCv(), 1e-9);
    }
}
