package org.dualsparse.plot;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dualsparse.files.AtomicFile;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** Share of token-expert pairs per expert, one bar series per MoE layer. */
public final class ExpertUsageChart {

    private ExpertUsageChart() {}

    /** {@code shares}: per layer, each expert's share of the layer's pairs. */
    public static void write(Map<Integer, double[]> shares, Path file) throws IOException {
        Png.init();
        CategoryChart chart = new CategoryChartBuilder().width(Png.WIDTH).height(Png.HEIGHT)
                .title("Expert usage").xAxisTitle("expert").yAxisTitle("share of token-expert pairs").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        shares.forEach((layer, share) -> {
            List<Integer> experts = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (int e = 0; e < share.length; e++) {
                experts.add(e);
                values.add(share[e]);
            }
            chart.addSeries("layer " + layer, experts, values);
        });
        AtomicFile.writeStream(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
