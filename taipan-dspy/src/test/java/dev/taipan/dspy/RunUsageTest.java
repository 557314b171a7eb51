package dev.taipan.dspy;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a worker's {@code metrics} become a {@link RunUsage}, from this runtime and older ones. */
class RunUsageTest {
    @Test
    void theMetricsTokensAndCostWin() {
        RunUsage u = RunUsage.fromWire(Map.of("lm", Map.of("m", Map.of("calls", 3, "cache_hits", 1, "errors", 0,
                "prompt_tokens", 10, "completion_tokens", 4, "cost_usd", 0.25, "unpriced", 0)), "parse_failures", 2),
                Map.of("m", Map.of("prompt_tokens", 99, "completion_tokens", 99)));
        assertEquals(new RunUsage.Model(3, 1, 0, 10, 4, 0.25, 0), u.models().get("m"));
        assertEquals(2, u.parseFailures());
        assertTrue(u.models().get("m").costKnown());
    }

    @Test
    void aWorkerThatSendsNoCostLeavesEveryBilledCallUnpriced() {
        // An older runtime: calls and cache hits in metrics, tokens only in DSPy's usage.
        RunUsage u = RunUsage.fromWire(Map.of("lm", Map.of("m", Map.of("calls", 4, "cache_hits", 1, "errors", 1))),
                Map.of("m", Map.of("prompt_tokens", 7, "completion_tokens", 3)));
        RunUsage.Model m = u.models().get("m");
        assertEquals(new RunUsage.Model(4, 1, 1, 7, 3, 0.0, 2), m);
        assertFalse(m.costKnown(), "unknown, not free");
    }

    @Test
    void noMetricsIsNone() {
        assertSame(RunUsage.NONE, RunUsage.fromWire(null));
        assertSame(RunUsage.NONE, RunUsage.fromWire("not a map", Map.of()));
    }

    @Test
    void aCostMustBeAFiniteNonNegativeNumber() {
        assertThrows(IllegalArgumentException.class, () -> new RunUsage.Model(1, 0, 0, 1, 1, -0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new RunUsage.Model(1, 0, 0, 1, 1, Double.NaN, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new RunUsage.Model(1, 0, 0, 1, 1, Double.POSITIVE_INFINITY, 0));
        // A bad figure on the wire is not priced rather than failing the run.
        RunUsage u = RunUsage.fromWire(Map.of("lm", Map.of("m", Map.of("calls", 1, "cost_usd", -1.0, "unpriced", 1))));
        assertEquals(0.0, u.models().get("m").costUsd());
    }
}
