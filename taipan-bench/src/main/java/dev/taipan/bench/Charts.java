package dev.taipan.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PNG charts of benchmark figures (XChart, headless). A benchmark adds a chart in a line or two:
 *
 * <pre>{@code
 * Charts.bar("p50 latency, no-op call", "callers", "p50 (µs)").logY()
 *       .categories(List.of("1 caller", "16 callers"))
 *       .series("Taipan", List.of(51.6, 376.3)).series("Py4J", List.of(120.0, 900.0))
 *       .save(dir.resolve("overhead-p50.png"));
 *
 * Charts.xy("throughput by payload size", "payload (bytes)", "MB/s").logX().logY()
 *       .series("Taipan", List.of(100, 10_000), List.of(1.5, 140.0))
 *       .save(dir.resolve("payload-throughput.png"));
 * }</pre>
 *
 * <p>A series whose values are all missing ({@code null} or NaN) is left out; on a logarithmic
 * axis, values {@code <= 0} count as missing. Bars are labelled with their value, rounded to
 * 3 significant digits. {@code save} creates the parent directories and
 * returns the file.
 */
public final class Charts {
    static {
        // Before any AWT class loads: charts are drawn off-screen, no display needed.
        System.setProperty("java.awt.headless", "true");
    }

    static final int WIDTH = 900;
    static final int HEIGHT = 560;

    private Charts() {
    }

    /**
     * Where {@code --plot} without a directory writes: {@code docs/bench} under
     * {@code $TAIPAN_HOME} (the repository, as {@code bin/taipan} sets it), else under the current
     * directory.
     */
    public static Path defaultDir() {
        String home = System.getenv("TAIPAN_HOME");
        return (home == null || home.isBlank() ? Path.of("") : Path.of(home)).resolve("docs").resolve("bench");
    }

    /** A grouped bar chart: one bar per series in each category. */
    public static Bar bar(String title, String xTitle, String yTitle) {
        return new Bar(title, xTitle, yTitle);
    }

    /** A line chart with markers over numeric x values. */
    public static Line xy(String title, String xTitle, String yTitle) {
        return new Line(title, xTitle, yTitle);
    }

    /** A grouped bar chart under construction. */
    public static final class Bar {
        private final String title;
        private final String xTitle;
        private final String yTitle;
        private List<String> categories = List.of();
        private final Map<String, List<? extends Number>> series = new LinkedHashMap<>();
        private boolean logY;

        private Bar(String title, String xTitle, String yTitle) {
            this.title = Objects.requireNonNull(title, "title");
            this.xTitle = xTitle == null ? "" : xTitle;
            this.yTitle = yTitle == null ? "" : yTitle;
        }

        public Bar categories(List<String> names) {
            this.categories = List.copyOf(names);
            return this;
        }

        /** One value per category, in the order of {@link #categories}. */
        public Bar series(String name, List<? extends Number> values) {
            series.put(Objects.requireNonNull(name, "name"), new ArrayList<>(values));
            return this;
        }

        public Bar logY() {
            this.logY = true;
            return this;
        }

        public Path save(Path file) throws IOException {
            if (categories.isEmpty()) {
                throw new IllegalStateException("a bar chart needs categories: " + title);
            }
            CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                    .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
            style(chart.getStyler());
            chart.getStyler().setYAxisLogarithmic(logY);
            chart.getStyler().setLabelsVisible(true);
            chart.getStyler().setLabelsPosition(0.95);
            chart.getStyler().setYAxisDecimalPattern("#,##0.##");
            boolean any = false;
            for (Map.Entry<String, List<? extends Number>> e : series.entrySet()) {
                List<? extends Number> values = e.getValue();
                if (values.size() != categories.size()) {
                    throw new IllegalArgumentException("series " + e.getKey() + " has " + values.size()
                            + " values for " + categories.size() + " categories");
                }
                if (values.stream().noneMatch(v -> present(v, logY))) {
                    continue;
                }
                // A missing value is drawn as no bar: XChart skips null. Values are shown to 3
                // significant digits (the bar labels), which is all a chart can say anyway.
                List<Double> ys = values.stream().map(v -> present(v, logY) ? significant(v.doubleValue()) : null)
                        .toList();
                chart.addSeries(e.getKey(), categories, ys);
                any = true;
            }
            if (!any) {
                throw new IllegalStateException("no values to chart: " + title);
            }
            if (logY) {
                // XChart starts bars at 0, which a log axis cannot show: start at the decade below.
                double min = series.values().stream().flatMap(List::stream).filter(v -> present(v, true))
                        .mapToDouble(Number::doubleValue).min().orElse(1);
                chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
            }
            return write(chart, file);
        }
    }

    /** A line chart under construction. */
    public static final class Line {
        private final String title;
        private final String xTitle;
        private final String yTitle;
        private final Map<String, List<List<? extends Number>>> series = new LinkedHashMap<>();
        private boolean logX;
        private boolean logY;

        private Line(String title, String xTitle, String yTitle) {
            this.title = Objects.requireNonNull(title, "title");
            this.xTitle = xTitle == null ? "" : xTitle;
            this.yTitle = yTitle == null ? "" : yTitle;
        }

        public Line series(String name, List<? extends Number> xs, List<? extends Number> ys) {
            if (xs.size() != ys.size()) {
                throw new IllegalArgumentException("series " + name + " has " + xs.size() + " x and " + ys.size()
                        + " y values");
            }
            series.put(Objects.requireNonNull(name, "name"), List.of(new ArrayList<>(xs), new ArrayList<>(ys)));
            return this;
        }

        public Line logX() {
            this.logX = true;
            return this;
        }

        public Line logY() {
            this.logY = true;
            return this;
        }

        public Path save(Path file) throws IOException {
            XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                    .yAxisTitle(yTitle).build();
            style(chart.getStyler());
            chart.getStyler().setXAxisLogarithmic(logX);
            chart.getStyler().setYAxisLogarithmic(logY);
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            chart.getStyler().setXAxisDecimalPattern("#,##0.##");
            chart.getStyler().setYAxisDecimalPattern("#,##0.##");
            boolean any = false;
            for (Map.Entry<String, List<List<? extends Number>>> e : series.entrySet()) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                List<? extends Number> x = e.getValue().get(0);
                List<? extends Number> y = e.getValue().get(1);
                for (int i = 0; i < x.size(); i++) {
                    if (present(x.get(i), logX) && present(y.get(i), logY)) {
                        xs.add(x.get(i).doubleValue());
                        ys.add(y.get(i).doubleValue());
                    }
                }
                if (!xs.isEmpty()) {
                    chart.addSeries(e.getKey(), xs, ys);
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalStateException("no values to chart: " + title);
            }
            return write(chart, file);
        }
    }

    static double significant(double v) {
        return v == 0 ? 0 : new BigDecimal(v).round(new MathContext(3)).doubleValue();
    }

    private static boolean present(Number v, boolean log) {
        return v != null && Double.isFinite(v.doubleValue()) && (!log || v.doubleValue() > 0);
    }

    private static void style(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setAntiAlias(true);
    }

    private static Path write(Chart<?, ?> chart, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return file;
    }
}
