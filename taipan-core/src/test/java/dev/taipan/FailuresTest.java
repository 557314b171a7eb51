package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Workers that crash, misbehave on the wire or cannot start: typed errors, and the pool heals. */
@Tag("python")
class FailuresTest {
    private static final Duration HEAL = Duration.ofSeconds(20);

    private static boolean healthy(TaipanPool pool) {
        return pool.health().status() == PoolHealth.Status.HEALTHY && pool.stats().ready() == pool.config().workers();
    }

    @Test
    void killNineMidCallFailsThatCallTypedAndThePoolHealsToFullSize() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().build())) {
            CompletableFuture<Object> running = pool.callAsync("taipan_testing.functions:block", List.of(30));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            WorkerInfo busy = pool.workers().stream().filter(w -> w.inFlight() == 1).findFirst().orElseThrow();
            ProcessHandle.of(busy.pid()).orElseThrow().destroyForcibly();

            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            WorkerCrashedException crash = assertInstanceOf(WorkerCrashedException.class, e.getCause());
            assertEquals(busy.id(), crash.workerId());
            assertEquals(9, crash.signal());
            assertEquals(137, crash.exitCode());

            assertTrue(TestPools.eventually(HEAL, () -> healthy(pool)), () -> pool.health().toString());
            assertEquals(1L, pool.stats().workersReplaced());
            assertTrue(pool.workers().stream().noneMatch(w -> w.id().equals(busy.id())));
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
        }
    }

    @Test
    void aWorkerWhoseEventLoopIsStuckIsKilledAndReplaced() {
        // Short enough to notice the stuck loop in about a second; long enough (750 ms of
        // silence) that a healthy worker on a loaded machine is never three pings late.
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1)
                .heartbeatInterval(Duration.ofMillis(250)).build())) {
            long pid = pool.workers().get(0).pid();
            WorkerUnresponsiveException e = assertThrows(WorkerUnresponsiveException.class,
                    () -> pool.call("taipan_testing.functions:hog_loop", List.of(60)));
            assertTrue(e.getMessage().contains("stopped answering"), e.getMessage());
            assertEquals(9, e.signal());
            assertTrue(TestPools.eventually(HEAL, () -> healthy(pool)), () -> pool.health().toString());
            assertNotEquals(pid, pool.workers().get(0).pid());
            // A healthy worker keeps answering heartbeats while it works on threads (6 intervals).
            assertEquals(1.5, pool.call("taipan_testing.functions:block", List.of(1.5)));
            assertEquals(1L, pool.stats().workersReplaced());
        }
    }

    @Test
    void anIdempotentCallSurvivesItsWorkerBeingKilled() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build())) {
            CompletableFuture<Object> running = pool.callAsync("taipan_testing.functions:block", List.of(1.0),
                    CallOptions.timeout(Duration.ofSeconds(60)).withIdempotent(true));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            WorkerInfo busy = pool.workers().stream().filter(w -> w.inFlight() == 1).findFirst().orElseThrow();
            ProcessHandle.of(busy.pid()).orElseThrow().destroyForcibly();
            assertEquals(1.0, running.get(30, TimeUnit.SECONDS), "run again on the other worker");
            assertEquals(1L, pool.stats().callsRetried());
        }
    }

    @Test
    void aFunctionDeclaredIdempotentInPythonIsRetriedToo() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build())) {
            CompletableFuture<Object> running = pool.callAsync("taipan_testing.functions:block_idempotent", List.of(1.0));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            WorkerInfo busy = pool.workers().stream().filter(w -> w.inFlight() == 1).findFirst().orElseThrow();
            ProcessHandle.of(busy.pid()).orElseThrow().destroyForcibly();
            assertEquals(1.0, running.get(30, TimeUnit.SECONDS));
            assertEquals(1L, pool.stats().callsRetried());
        }
    }

    @Test
    void aWorkerThatExitsReportsItsStatusAndStderr() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            pool.call("taipan_testing.functions:write_stderr", List.of("last words before exit"));
            WorkerCrashedException e = assertThrows(WorkerCrashedException.class,
                    () -> pool.call("taipan_testing.functions:crash", Map.of("code", 7)));
            assertEquals(7, e.exitCode());
            assertEquals(null, e.signal());
            assertTrue(e.stderrTail().contains("last words before exit"), e.stderrTail());
            assertTrue(TestPools.eventually(HEAL, () -> healthy(pool)), () -> pool.health().toString());
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void garbageFromAWorkerIsAProtocolErrorAndTheWorkerIsReplaced() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            long pid = pool.workers().get(0).pid();
            WorkerProtocolException e = assertThrows(WorkerProtocolException.class,
                    () -> pool.call("taipan_testing.functions:garbage", Map.of("nbytes", 64)));
            assertInstanceOf(dev.taipan.protocol.ProtocolException.class, e.getCause());
            assertTrue(TestPools.eventually(HEAL, () -> healthy(pool)), () -> pool.health().toString());
            assertNotEquals(pid, pool.workers().get(0).pid());
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> TestPools.isGone(pid)));
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void anOversizeFrameHeaderFromAWorkerIsAProtocolError() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            WorkerProtocolException e = assertThrows(WorkerProtocolException.class,
                    () -> pool.call("taipan_testing.functions:oversize_header"));
            assertTrue(e.getCause().getMessage().contains("over the maximum"), e.getCause().getMessage());
            assertTrue(TestPools.eventually(HEAL, () -> healthy(pool)), () -> pool.health().toString());
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void oversizeFramesFailClearlyInBothDirectionsWithoutHurtingTheWorker() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).maxFrameBytes(64 * 1024).build())) {
            long pid = pool.workers().get(0).pid();
            FrameTooLargeException out = assertThrows(FrameTooLargeException.class,
                    () -> pool.call("echo", List.of(new byte[100_000])));
            assertTrue(out.frameBytes() > 64 * 1024);
            assertEquals(0, pool.stats().inFlight());
            FrameTooLargeException back = assertThrows(FrameTooLargeException.class,
                    () -> pool.call("taipan_testing.functions:big_result", List.of(100_000)));
            assertTrue(back.getMessage().contains("big_result"), back.getMessage());
            assertEquals(pid, pool.workers().get(0).pid(), "the worker must survive");
            assertEquals(60_000, ((byte[]) pool.call("taipan_testing.functions:big_result", List.of(60_000))).length);
        }
    }

    @Test
    void aModuleThatFailsToImportStopsStartWithTheTraceback() {
        // A start timeout far beyond what a loaded machine needs to start Python and fail the
        // import: ending well before it shows the failure ended the start, not the timeout.
        Duration startTimeout = Duration.ofSeconds(180);
        long t0 = System.nanoTime();
        PoolStartException e = assertThrows(PoolStartException.class,
                () -> TaipanPool.start(TestPools.config().modules("no_such_module_xyz").startTimeout(startTimeout).build()));
        assertEquals(2, e.exitCode());
        assertTrue(e.stderrTail().contains("ModuleNotFoundError"), e.stderrTail());
        assertTrue(e.getMessage().contains("no_such_module_xyz"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(startTimeout.dividedBy(2)) < 0,
                "start must fail fast, not wait for the start timeout");
    }

    @Test
    void aMissingPythonStopsStartWithAClearMessage() {
        PoolStartException e = assertThrows(PoolStartException.class,
                () -> TaipanPool.start(TestPools.config().python("/nonexistent/python3").build()));
        assertTrue(e.getMessage().contains("/nonexistent/python3"), e.getMessage());
    }

    @Test
    void repeatedStartFailuresOpenTheCircuitInsteadOfRespawningForever() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().modules("no_such_module_xyz").lazyStart(true)
                .workers(1).maxConsecutiveStartFailures(3).circuitRetryInterval(Duration.ofMinutes(5)).build())) {
            assertTrue(TestPools.eventually(Duration.ofSeconds(30),
                    () -> pool.health().status() == PoolHealth.Status.CIRCUIT_OPEN), () -> pool.health().toString());
            PoolHealth h = pool.health();
            assertTrue(h.reason().contains("3 consecutive"), h.reason());
            assertTrue(h.reason().contains("no_such_module_xyz"), h.reason());
            PoolUnavailableException u = assertThrows(PoolUnavailableException.class, () -> pool.call("ping"));
            assertTrue(u.getMessage().contains("ready=0"), u.getMessage());
        }
    }
}
