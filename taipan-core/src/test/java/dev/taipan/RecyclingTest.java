package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recycling replaces healthy workers at their limits without failing a call or losing capacity. */
@Tag("python")
class RecyclingTest {
    @Test
    void workersAreRecycledAfterACallCountWithoutAFailedCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).recycleAfterCalls(25).build())) {
            Set<Long> pids = new HashSet<>();
            List<CompletableFuture<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(pool.callAsync("taipan_testing.functions:slow_add", List.of(i, 1, 0.002)));
                if (i % 10 == 0) {
                    pool.workers().forEach(w -> pids.add(w.pid()));
                }
            }
            for (int i = 0; i < calls.size(); i++) {
                assertEquals(i + 1L, calls.get(i).get(60, TimeUnit.SECONDS));
            }
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> pool.stats().workersRecycled() >= 2
                    && pool.stats().ready() == 2 && pool.stats().workers() == 2), () -> pool.stats().toString());
            assertEquals(0L, pool.stats().callsFailed(), "recycling must not fail a call");
            pool.workers().forEach(w -> pids.add(w.pid()));
            assertTrue(pids.size() > 2, "new worker processes appeared: " + pids);
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
        }
    }

    @Test
    void workersAreRecycledAfterTheirLifetime() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1)
                .recycleAfter(Duration.ofMillis(500)).build())) {
            long first = pool.workers().get(0).pid();
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> pool.stats().workersRecycled() >= 1
                    && pool.workers().size() == 1 && pool.workers().get(0).pid() != first
                    && pool.stats().ready() == 1), () -> pool.stats().toString());
            assertEquals("pong", pool.call("ping"));
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> TestPools.isGone(first)));
        }
    }

    @Test
    void aWorkerWhoseThreadOverranAnEndedCallIsRecycled() {
        // The overrun comes back in heartbeat answers: frequent ones, but not so frequent that
        // a loaded machine makes the worker look unresponsive instead.
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1)
                .heartbeatInterval(Duration.ofMillis(250)).build())) {
            long first = pool.workers().get(0).pid();
            assertThrows(CallTimeoutException.class, () -> pool.call("taipan_testing.functions:block", List.of(30),
                    CallOptions.timeout(Duration.ofMillis(200))));
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> pool.stats().workersRecycled() == 1
                    && pool.workers().size() == 1 && pool.workers().get(0).pid() != first
                    && pool.stats().ready() == 1), () -> pool.stats().toString());
            assertEquals("pong", pool.call("ping"));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> TestPools.isGone(first)));
        }
    }

    @Test
    void aWorkerHoldingASessionIsNotRecycledUnderIt() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).recycleAfterCalls(3).build());
             Session s = pool.openSession()) {
            for (int i = 1; i <= 10; i++) {
                assertEquals((long) i, s.call("taipan_testing.functions:counter"));
            }
            assertEquals(0L, pool.stats().workersRecycled());
        }
    }
}
