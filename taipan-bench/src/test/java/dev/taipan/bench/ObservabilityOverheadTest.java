package dev.taipan.bench;

import dev.taipan.bench.ObservabilityOverhead.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plumbing of {@code taipan bench overhead --observe}: a short run (the quick settings, one
 * round) with real pools, a real registry and the OpenTelemetry SDK; asserts what the report
 * holds and that the observed pools really recorded metrics and spans, never how fast.
 */
class ObservabilityOverheadTest {
    @Test
    void levelsParseAndBadOnesAreNamed() {
        assertEquals(EnumSet.allOf(Level.class), Level.parse("off,metrics,tracing"));
        assertEquals(EnumSet.allOf(Level.class), Level.parse("all"));
        assertEquals(EnumSet.allOf(Level.class), Level.parse(null));
        assertEquals(EnumSet.of(Level.METRICS), Level.parse("off, metrics"));
        assertEquals(EnumSet.of(Level.TRACING), Level.parse("tracing"));
        assertEquals(Set.of(), Level.parse("off"));
        assertEquals(Set.of(), Level.parse("none"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Level.parse("metrics,logs"));
        assertTrue(e.getMessage().contains("'logs'") && e.getMessage().contains("off, metrics, tracing"), e.getMessage());
    }

    @Test
    @Tag("python")
    @Timeout(180)
    @SuppressWarnings("unchecked")
    void aShortRunReportsEveryLevelAgainstOffWithRealMetricsAndSpans() throws Exception {
        OverheadBenchmark.Settings settings = new OverheadBenchmark.Settings(1, 300, 100, true);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        OverheadReport report = new OverheadBenchmark.Runner(VenvPython.path(), settings,
                EnumSet.noneOf(OverheadBenchmark.Peer.class), EnumSet.allOf(Level.class),
                new PrintStream(progress, true, StandardCharsets.UTF_8)).run();

        ObservabilityOverhead.Section section = report.observability();
        assertEquals(List.of(Level.METRICS, Level.TRACING), section.levels());
        assertEquals(List.of(1, 16), section.scenarios().stream().map(ObservabilityOverhead.Scenario::callers).toList());
        for (ObservabilityOverhead.Scenario s : section.scenarios()) {
            OverheadBenchmark.Scenario plain = report.scenarios().stream()
                    .filter(p -> p.callers() == s.callers()).findFirst().orElseThrow();
            assertEquals(plain.pool(), s.off(), "off is the benchmark's own pool");
            for (Level level : section.levels()) {
                OverheadBenchmark.Summary summary = s.levels().get(level);
                assertEquals(settings.rounds(), summary.rounds().size(), level + " rounds");
                assertTrue(summary.rounds().stream().allMatch(r -> r.calls() > 0), level + ": " + summary);
                long measured = summary.rounds().stream().mapToLong(OverheadBenchmark.Round::calls).sum();
                // Each level's registry timed every call of its pool: the rounds' and the warm-up's.
                assertTrue(section.recordedCalls().get(level) > measured,
                        level + ": taipan.calls " + section.recordedCalls().get(level) + " vs measured " + measured);
            }
        }
        ObservabilityOverhead.Spans spans = section.spans();
        assertEquals(section.recordedCalls().get(Level.TRACING), spans.calls());
        assertTrue(spans.client() > 0 && spans.server() > 0, "CLIENT spans and the worker's SERVER spans: " + spans);
        assertTrue(spans.exported() <= 2 * spans.calls() && spans.exported() == spans.client() + spans.server(),
                "a CLIENT and a SERVER span per call at most: " + spans);
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("metrics+tracing"), "progress names the levels");

        Map<String, Object> json = report.toJson();
        Map<String, Object> obs = (Map<String, Object>) json.get("observability");
        List<Map<String, Object>> scenarios = (List<Map<String, Object>>) obs.get("scenarios");
        assertEquals(2, scenarios.size());
        for (Map<String, Object> s : scenarios) {
            for (String key : List.of("off", "metrics", "metrics_over_off", "tracing", "tracing_over_off")) {
                assertInstanceOf(Map.class, s.get(key), key + " in " + s);
            }
            assertInstanceOf(Boolean.class, s.get("tracing_within_target"));
        }
        Map<String, Object> target = (Map<String, Object>) obs.get("target");
        assertEquals(16, target.get("callers"));
        assertEquals(section.targetMet(), target.get("met"));
        assertInstanceOf(Map.class, obs.get("spans"));

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        report.printTable(new PrintStream(table, true, StandardCharsets.UTF_8));
        String text = table.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("metrics+tracing/off") && text.contains("metrics/off"), text);
        assertTrue(text.contains("target (metrics+tracing within 10% of off, 16 callers"), text);
        assertTrue(text.contains("target (metrics within 10% of off, 16 callers"), text);
    }

    @Test
    void withoutObserveTheReportHasNoSection() {
        OverheadReport report = new OverheadReport(Machine.describe("3.11"),
                new OverheadBenchmark.Settings(1, 1, 1, true), List.of(), 0.1);
        assertNull(report.observability());
        assertTrue(!report.toJson().containsKey("observability"));
    }
}
