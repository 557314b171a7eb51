package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A poison call (idempotent, kills every worker it runs on) is retried once, then stopped. */
@Tag("python")
class CrashBarrierTest {
    @Test
    void aCallThatCrashedTwoWorkersIsNotRetriedAgain() {
        AtomicInteger exits = new AtomicInteger();
        PoolListener countExits = new PoolListener() {
            @Override
            public void workerExited(String workerId, Integer exitCode, String reason) {
                exits.incrementAndGet();
            }
        };
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).listener(countExits).build())) {
            WorkerCrashedException e = assertThrows(WorkerCrashedException.class, () -> pool.call(
                    "taipan_testing.functions:crash", List.of(3), CallOptions.timeout(Duration.ofSeconds(30))
                            .withIdempotent(true)));
            assertTrue(e.getMessage().contains("not retried again: this call crashed 2 workers"), e.getMessage());
            assertEquals(3, e.exitCode(), e.getMessage());
            assertEquals(1L, pool.stats().callsRetried(), () -> pool.stats().toString());
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> pool.stats().ready() == 2),
                    () -> pool.stats().toString());
            assertEquals("pong", pool.call("ping"));
            assertEquals(2, exits.get(), "two workers died for the poison call, not three");
            assertEquals(2L, pool.stats().workersReplaced());
        }
    }

    @Test
    void killsFromOutsideDoNotCountAgainstTheCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build())) {
            CompletableFuture<Object> running = pool.callAsync("taipan_testing.functions:block", List.of(1.5),
                    CallOptions.timeout(Duration.ofSeconds(60)).withIdempotent(true));
            for (int kill = 0; kill < 2; kill++) {
                int k = kill;
                // Wait for the current attempt to be running, then SIGKILL its worker from outside.
                assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> pool.stats().callsRetried() == k
                        && pool.workers().stream().anyMatch(w -> w.inFlight() == 1)), () -> pool.stats().toString());
                WorkerInfo busy = pool.workers().stream().filter(w -> w.inFlight() == 1).findFirst().orElseThrow();
                ProcessHandle.of(busy.pid()).orElseThrow().destroyForcibly();
            }
            assertEquals(1.5, running.get(30, TimeUnit.SECONDS), "two SIGKILLs, two retries, then it ran");
            assertEquals(2L, pool.stats().callsRetried());
        }
    }

    @Test
    void theBarrierIsPerCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build())) {
            for (int round = 0; round < 2; round++) {
                int r = round;
                assertThrows(WorkerCrashedException.class, () -> pool.call("taipan_testing.functions:crash", List.of(1),
                        CallOptions.DEFAULT.withIdempotent(true)));
                assertEquals(round + 1L, pool.stats().callsRetried(), "each poison call gets its one retry, round " + r);
            }
            // A call that is not idempotent is still never retried.
            assertThrows(WorkerCrashedException.class, () -> pool.call("taipan_testing.functions:crash", List.of(1)));
            assertEquals(2L, pool.stats().callsRetried());
        }
    }
}
