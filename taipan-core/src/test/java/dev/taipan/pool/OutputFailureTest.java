package dev.taipan.pool;

import dev.taipan.CallOptions;
import dev.taipan.PoolHealth;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A worker's output against the engine: floods are limited, a failing pump gets the worker replaced. */
@Tag("python")
class OutputFailureTest {
    @Test
    void aFloodOfOutputIsRateLimitedWithTheDroppedLinesCounted() {
        try (PoolEngine engine = PoolEngine.start(TestPools.config().workers(1).build())) {
            Worker w = engine.workersForTesting().get(0);
            int lines = 30_000;
            assertEquals((long) lines, engine.call("taipan_testing.functions:flood", List.of(lines), CallOptions.DEFAULT));
            // Lines reach the JVM after the call's answer: wait (bounded) until all were seen.
            long[] seen = new long[1];
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> {
                seen[0] = w.stdout.limiter().dropped();
                return seen[0] >= lines - OutputLimiter.DEFAULT_BURST - OutputLimiter.DEFAULT_LINES_PER_SECOND * 10;
            }), () -> "dropped only " + seen[0]);
            assertTrue(w.stdout.limiter().dropped() <= lines - OutputLimiter.DEFAULT_BURST,
                    "a burst's worth always passes: " + w.stdout.limiter().dropped());
            assertEquals(5L, engine.call("taipan_testing.functions:add", List.of(2, 3), CallOptions.DEFAULT));
            assertEquals(PoolHealth.Status.HEALTHY, engine.health().status(), "a flood is not a failure");
        }
    }

    @Test
    void aFailingOutputPumpGetsItsWorkerReplacedAndHealthSaysSoMeanwhile() {
        try (PoolEngine engine = PoolEngine.start(TestPools.config().workers(1).build())) {
            Worker w = engine.workersForTesting().get(0);
            long pid = w.pid();
            w.stdout.failed(new OutOfMemoryError("simulated"));
            assertNotEquals(PoolHealth.Status.HEALTHY, engine.health().status(),
                    "health must not say HEALTHY while nobody reads a worker's output");
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> TestPools.isGone(pid)),
                    "the worker whose output was lost was not ended");
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> engine.health().status() == PoolHealth.Status.HEALTHY
                    && engine.stats().workersReplaced() == 1), () -> engine.health().toString());
            assertNotEquals(w.id, engine.workersForTesting().get(0).id);
            assertEquals(5L, engine.call("taipan_testing.functions:add", List.of(2, 3), CallOptions.DEFAULT));
        }
    }
}
