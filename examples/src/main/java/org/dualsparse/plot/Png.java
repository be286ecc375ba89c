package org.dualsparse.plot;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.dualsparse.files.AtomicFile;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Headless XChart line charts, written as PNG files. */
public final class Png {

    public static final int WIDTH = 900;
    public static final int HEIGHT = 600;

    static {
        // The CLI runs on machines without a display; this must be set before AWT first loads.
        System.setProperty("java.awt.headless", "true");
    }

    private Png() {}

    /** Runs the headless set-up above; charts built outside this class call it first. */
    static void init() {}

    /** An empty {@link #WIDTH} × {@link #HEIGHT} chart with these titles. */
    static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
                .title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        return chart;
    }

    /** Adds a dashed black reference line without point markers. */
    static XYSeries addReferenceLine(XYChart chart, String name, double[] x, double[] y) {
        XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(Color.BLACK);
        series.setLineStyle(SeriesLines.DASH_DASH);
        return series;
    }

    /** Writes {@code chart} to {@code file} as PNG. */
    public static void write(XYChart chart, Path file) throws IOException {
        AtomicFile.writeStream(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
    }
}
