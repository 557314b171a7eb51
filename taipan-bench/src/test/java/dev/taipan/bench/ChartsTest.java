package dev.taipan.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chart writer makes real PNG files, and the benchmarks' reports chart, print and serialise. */
class ChartsTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static void assertPng(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), file + " was not written");
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 1_000, file + " is only " + bytes.length + " bytes");
        assertArrayEqualsPrefix(bytes);
    }

    private static void assertArrayEqualsPrefix(byte[] bytes) {
        assertTrue(Arrays.equals(Arrays.copyOf(bytes, PNG_MAGIC.length), PNG_MAGIC), "not a PNG file");
    }

    @Test
    void barAndLineChartsAreWrittenAsPng(@TempDir Path dir) throws IOException {
        Path bar = Charts.bar("p50", "callers", "p50 (µs)").logY()
                .categories(List.of("1 caller", "16 callers"))
                .series("Taipan", List.of(51.6, 376.3))
                .series("Py4J", Arrays.asList(120.0, null)) // a missing value is no bar
                .series("none", Arrays.asList(Double.NaN, 0.0)) // nothing to draw on a log axis: left out
                .save(dir.resolve("sub/dir/bar.png"));
        assertEquals(dir.resolve("sub/dir/bar.png"), bar);
        assertPng(bar);

        Path line = Charts.xy("MB/s by size", "bytes", "MB/s").logX().logY()
                .series("Taipan", List.of(100, 10_000, 1_000_000), List.of(1.2, 90.0, 800.0))
                .series("Py4J", List.of(100, 10_000, 1_000_000), List.of(0.8, 30.0, 60.0))
                .save(dir.resolve("line.png"));
        assertPng(line);
    }

    @Test
    void overheadReportWritesChartsPrintsAndSerialises(@TempDir Path dir) throws IOException {
        OverheadBenchmark.Settings settings = new OverheadBenchmark.Settings(1, 100, 100, true);
        List<OverheadBenchmark.Scenario> scenarios = List.of(scenario(1, 50, 25, 120, 30_000),
                scenario(16, 380, 300, 900, 60_000));
        OverheadReport report = new OverheadReport(machine(), settings, scenarios, 1.0);
        List<Path> charts = report.writeCharts(dir);
        assertEquals(List.of(dir.resolve("overhead-p50.png"), dir.resolve("overhead-throughput.png")), charts);
        for (Path c : charts) {
            assertPng(c);
        }
        String table = print(report);
        assertTrue(table.contains("Py4J / Taipan p50 = 2.40x"), table);
        assertTrue(table.contains("ProcessBuilder per call / Taipan p50 = 600x"), table);
        Map<String, Object> json = report.toJson();
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) json.get("scenarios")).get(0);
        assertEquals(List.of("callers", "pool", "floor", "pool_over_floor", "p50_target_met", "py4j", "py4j_over_pool",
                "process_per_call", "process_per_call_over_pool"), List.copyOf(first.keySet()));
    }

    @Test
    void payloadReportWritesCharts(@TempDir Path dir) throws IOException {
        PayloadBenchmark.Settings settings = new PayloadBenchmark.Settings(1, 100, 200, 100, true);
        List<PayloadBenchmark.Point> points = List.of(
                new PayloadBenchmark.Point(100, payload(100, 60), payload(100, 150)),
                new PayloadBenchmark.Point(10_000_000, payload(10_000_000, 20_000), payload(10_000_000, 150_000)));
        PayloadBenchmark.Report report = new PayloadBenchmark.Report(machine(), settings, points, 1.0);
        for (Path c : report.writeCharts(dir)) {
            assertPng(c);
        }
        String table = print(report);
        assertTrue(table.contains("10 MB: Py4J / Taipan p50 = 7.50x"), table);
    }

    private static Machine machine() {
        return new Machine(2, "Linux", "cpu", "17", "3.11");
    }

    private static OverheadBenchmark.Summary summary(double p50, double cps) {
        return OverheadBenchmark.Summary.of(List.of(new OverheadBenchmark.Round(100, 1, p50, p50 * 2, cps)));
    }

    private static OverheadBenchmark.Scenario scenario(int callers, double pool, double floor, double py4j, double process) {
        Map<OverheadBenchmark.Peer, OverheadBenchmark.Summary> peers = new LinkedHashMap<>();
        peers.put(OverheadBenchmark.Peer.PY4J, summary(py4j, 1e6 / py4j));
        peers.put(OverheadBenchmark.Peer.PROCESS, summary(process, 1e6 / process));
        return new OverheadBenchmark.Scenario(callers, summary(pool, 1e6 / pool), summary(floor, 1e6 / floor), peers);
    }

    private static PayloadBenchmark.Summary payload(int bytes, double p50Us) {
        double cps = 1e6 / p50Us;
        return PayloadBenchmark.Summary.of(List.of(new PayloadBenchmark.Round(10, 1, p50Us, p50Us * 2, cps,
                cps * bytes / 1e6)));
    }

    private static String print(BenchReports.Report report) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        report.printTable(new PrintStream(buf, true, StandardCharsets.UTF_8));
        return buf.toString(StandardCharsets.UTF_8);
    }
}
