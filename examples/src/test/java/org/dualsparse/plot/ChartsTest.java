package org.dualsparse.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.dualsparse.bench.MoeLayerBenchmark.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** The charts hold the expected series and points, and are written as PNG files of the chart's size. */
class ChartsTest {

    @TempDir
    Path dir;

    private static Row row(int tokens, String method, double realised, double speedup) {
        return new Row("olmoe-1b-7b", tokens, method, realised, realised, realised, "T", 0.05, 10, 9, 11, 10 * speedup, 9 * speedup,
                11 * speedup, speedup,
                1 / (1 - realised), 100 * speedup * (1 - realised), 1, 0, 0);
    }

    @Test
    void speedupChartHasOneLinePerMethodAndTokensPlusTheIdeal() {
        XYChart chart = SpeedupChart.of("t", List.of(
                row(1, "1t", 0, 1.1), row(1, "1t", 0.5, 2.0), row(1, "2t", 0.25, 1.3), row(16, "1t", 0.4, 1.5)));

        assertEquals(List.of("1t, 1 token", "2t, 1 token", "1t, 16 tokens", SpeedupChart.IDEAL),
                List.copyOf(chart.getSeriesMap().keySet()));
        XYSeries oneT = chart.getSeriesMap().get("1t, 1 token");
        assertArrayEquals(new double[] {0, 0.5}, oneT.getXData());
        assertArrayEquals(new double[] {1.1, 2.0}, oneT.getYData());
        XYSeries ideal = chart.getSeriesMap().get(SpeedupChart.IDEAL);
        double[] d = ideal.getXData();
        assertEquals(0, d[0]);
        assertEquals(0.5, d[d.length - 1], 1e-12, "the ideal spans the measured drop rates");
        for (int i = 0; i < d.length; i++) {
            assertEquals(1 / (1 - d[i]), ideal.getYData()[i], 1e-12);
        }
    }

    @Test
    void expertParallelChartHasOnePointPerDropRateForEachPolicy() {
        XYChart chart = ExpertParallelChart.of("t", List.of(
                new ExpertParallelChart.Point("uniform", 1.05, 0.01),
                new ExpertParallelChart.Point("load-aware", 1.2, 0.012),
                new ExpertParallelChart.Point("uniform", 1.1, 0.03),
                new ExpertParallelChart.Point("load-aware", 1.4, 0.035)));

        assertEquals(List.of("uniform", "load-aware"), List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {1.2, 1.4}, chart.getSeriesMap().get("load-aware").getXData());
        assertArrayEquals(new double[] {0.012, 0.035}, chart.getSeriesMap().get("load-aware").getYData());
    }

    @Test
    void sweepChartHasOneLinePerMethodOverRealisedDropRates() {
        XYChart chart = SweepChart.of("t", "kl", List.of(
                new SweepChart.Point("1t", 0, 0), new SweepChart.Point("1t", 0.21, 0.02),
                new SweepChart.Point("ees", 0, 0), new SweepChart.Point("ees", 0.19, 0.03)));

        assertEquals(List.of("1t", "ees"), List.copyOf(chart.getSeriesMap().keySet()));
        assertArrayEquals(new double[] {0, 0.19}, chart.getSeriesMap().get("ees").getXData());
        assertArrayEquals(new double[] {0, 0.03}, chart.getSeriesMap().get("ees").getYData());
        assertEquals("realised decision drop rate", chart.getXAxisTitle());
        assertEquals("kl", chart.getYAxisTitle());
    }

    @Test
    void writesAReadablePngOfTheChartsSize() throws IOException {
        Path file = dir.resolve("speedup.png");
        Png.write(SpeedupChart.of("t", List.of(row(1, "1t", 0.25, 1.3))), file);

        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(Png.WIDTH, image.getWidth());
        assertEquals(Png.HEIGHT, image.getHeight());
    }
}
