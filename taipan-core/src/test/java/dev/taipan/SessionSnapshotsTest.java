package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions that opted in to snapshots move to another worker when theirs dies. */
@Tag("python")
class SessionSnapshotsTest {
    private static final String T = "taipan_testing.functions:";
    private static final SessionOptions AFTER_EACH_CALL = SessionOptions.builder()
            .snapshots(SnapshotPolicy.AFTER_EACH_CALL).build();
    private static final SessionOptions ON_REQUEST = SessionOptions.builder()
            .snapshots(SnapshotPolicy.ON_REQUEST).build();

    private static long pidOf(TaipanPool pool, String workerId) {
        return pool.workers().stream().filter(w -> w.id().equals(workerId)).findFirst().orElseThrow().pid();
    }

    /** SIGKILLs the session's worker and waits until the pool has moved the session elsewhere. */
    private static String killWorkerOf(TaipanPool pool, Session s) {
        String old = s.workerId();
        ProcessHandle.of(pidOf(pool, old)).orElseThrow().destroyForcibly();
        assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> s.restores() == 1),
                "the session was not restored; workers: " + pool.workers());
        return old;
    }

    @Test
    void afterEachCallTheStateSurvivesAKilledWorker() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build());
             Session s = pool.openSession(AFTER_EACH_CALL)) {
            assertEquals(SnapshotPolicy.AFTER_EACH_CALL, s.options().snapshots());
            for (int i = 1; i <= 3; i++) {
                assertEquals((long) i, s.call(T + "counter"));
            }
            SessionSnapshot last = s.lastSnapshot().orElseThrow();
            assertEquals(3, last.seq());
            assertEquals(Map.of("n", 3L), last.state());
            long oldPid = (Long) s.call(T + "pid");
            assertEquals(0, s.restores());
            assertTrue(s.lastRestored().isEmpty());

            String old = killWorkerOf(pool, s);

            assertNotEquals(old, s.workerId());
            assertEquals(4L, s.call(T + "counter"));
            assertNotEquals(oldPid, s.call(T + "pid"));
            assertEquals(pidOf(pool, s.workerId()), s.call(T + "pid"));
            SessionSnapshot restored = s.lastRestored().orElseThrow();
            assertEquals(3, restored.seq());
            assertEquals(Map.of("n", 3L), restored.state());
            assertEquals(old, restored.workerId());
            assertEquals(4, s.lastSnapshot().orElseThrow().seq());
            assertTrue(s.isOpen());
            assertEquals(1, pool.stats().sessions());
        }
    }

    @Test
    void aCallInFlightWhenTheWorkerDiesFailsWithSessionRestored() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build());
             Session s = pool.openSession(AFTER_EACH_CALL)) {
            s.call(T + "counter");
            s.call(T + "counter");
            String old = s.workerId();
            CompletableFuture<Object> running = s.callAsync(T + "counter_then_block", List.of(30));
            // The call increments the counter, then blocks: the increment is never snapshotted.
            ProcessHandle.of(pidOf(pool, old)).orElseThrow().destroyForcibly();
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            SessionRestoredException restored = assertInstanceOf(SessionRestoredException.class, e.getCause());
            assertEquals(s.id(), restored.sessionId());
            assertEquals(2, restored.snapshotSeq());
            assertInstanceOf(WorkerCrashedException.class, restored.getCause());
            assertTrue(restored.getMessage().contains("snapshot 2") && restored.getMessage().contains("not retried"),
                    restored.getMessage());
            // The state is back at snapshot 2: the lost call's increment is gone.
            assertEquals(3L, s.call(T + "counter"));
            assertEquals(1, s.restores());
            assertNotEquals(old, s.workerId());
        }
    }

    @Test
    void aRestoredSessionIsStillEvictedWhenIdle() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2)
                .sessionIdleTimeout(Duration.ofMillis(1_000)).build());
             Session s = pool.openSession(AFTER_EACH_CALL)) {
            s.call(T + "counter");
            CompletableFuture<Object> running = s.callAsync(T + "counter_then_block", List.of(30));
            ProcessHandle.of(pidOf(pool, s.workerId())).orElseThrow().destroyForcibly();
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            assertInstanceOf(SessionRestoredException.class, e.getCause());
            // The call that died with the worker no longer counts as in flight.
            assertTrue(TestPools.eventually(Duration.ofSeconds(15), () -> !s.isOpen()));
            SessionClosedException closed = assertThrows(SessionClosedException.class, () -> s.call(T + "counter"));
            assertTrue(closed.getMessage().contains("idle"), closed.getMessage());
            assertEquals(0, pool.stats().sessions());
        }
    }

    @Test
    void onRequestSnapshotsAreTakenOnlyWhenAsked() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build());
             Session s = pool.openSession(ON_REQUEST)) {
            assertEquals(1L, s.call(T + "counter"));
            assertTrue(s.lastSnapshot().isEmpty());
            s.call(T + "session_put", Map.of("key", "tags", "value", List.of("a", "b")));
            SessionSnapshot snap = s.snapshot();
            assertEquals(1, snap.seq());
            assertEquals(Map.of("n", 1L, "tags", List.of("a", "b")), snap.state());
            assertEquals(s.workerId(), snap.workerId());
            assertThrows(UnsupportedOperationException.class, () -> snap.state().put("x", 1));
            assertEquals(2L, s.call(T + "counter"));
            assertEquals(1, s.lastSnapshot().orElseThrow().seq()); // no snapshot without asking

            killWorkerOf(pool, s);

            assertEquals(2L, s.call(T + "counter")); // back at snapshot 1 (n=1), plus one
            assertEquals(List.of("a", "b"), s.call(T + "session_get", Map.of("key", "tags")));
            assertEquals(1, s.lastRestored().orElseThrow().seq());
            assertEquals(2, s.snapshot().seq());
        }
    }

    @Test
    void anUnserializableStateFailsTheCallTypedAndKeepsTheLastSnapshot() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build());
             Session s = pool.openSession(AFTER_EACH_CALL)) {
            assertEquals(1L, s.call(T + "counter"));
            SnapshotFailedException e = assertThrows(SnapshotFailedException.class,
                    () -> s.call(T + "session_put_unserializable", List.of("bad", "nested_tuple")));
            assertTrue(e.getMessage().contains("session['bad']['items'][1]"), e.getMessage());
            assertTrue(e.getMessage().contains("tuple"), e.getMessage());
            assertEquals("session['bad']['items'][1]", e.path());
            assertEquals(1, e.keptSeq());
            // The call itself ran: its result is not lost.
            SnapshotFailedException again = assertThrows(SnapshotFailedException.class, () -> s.call(T + "counter"));
            assertEquals(2L, again.result());
            assertThrows(SnapshotFailedException.class, s::snapshot);
            assertEquals(1, s.lastSnapshot().orElseThrow().seq());
            assertTrue(s.isOpen());

            killWorkerOf(pool, s);

            assertEquals(2L, s.call(T + "counter")); // back at snapshot 1 (n=1), without the bad value
            assertNull(s.call(T + "session_get", Map.of("key", "bad")));
            assertEquals(3, s.lastSnapshot().orElseThrow().seq()); // numbered on from the restored 1
        }
    }

    @Test
    void withoutASnapshotTheSessionIsLostAsBefore() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build());
             Session none = pool.openSession(SessionOptions.DEFAULT);
             Session notYet = pool.openSession(ON_REQUEST)) {
            assertEquals(SnapshotPolicy.NONE, none.options().snapshots());
            assertThrows(IllegalStateException.class, none::snapshot);
            none.call(T + "counter");
            notYet.call(T + "counter");
            CompletableFuture<Object> running = none.callAsync(T + "block", List.of(30));
            ProcessHandle.of(pidOf(pool, none.workerId())).orElseThrow().destroyForcibly();
            if (!notYet.workerId().equals(none.workerId())) {
                ProcessHandle.of(pidOf(pool, notYet.workerId())).orElseThrow().destroyForcibly();
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            assertInstanceOf(SessionLostException.class, e.getCause());
            assertThrows(SessionLostException.class, () -> none.call(T + "counter"));
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> !notYet.isOpen()));
            SessionLostException lost = assertThrows(SessionLostException.class, () -> notYet.call(T + "counter"));
            assertTrue(lost.getMessage().contains("no snapshot"), lost.getMessage());
            assertFalse(none.isOpen());
            assertEquals(0, notYet.restores());
        }
    }

    @Test
    void closingARestoredSessionFreesItsStateOnTheNewWorker() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            Session s = pool.openSession(AFTER_EACH_CALL);
            assertEquals(1L, s.call(T + "counter"));
            String old = s.workerId();
            long oldPid = pidOf(pool, old);
            ProcessHandle.of(oldPid).orElseThrow().destroyForcibly();
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> TestPools.isGone(oldPid)));
            // The only worker is gone: calls wait for its replacement, which gets the snapshot first.
            List<CompletableFuture<Object>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(s.callAsync(T + "counter", Map.of()));
            }
            Set<Object> seen = new HashSet<>();
            for (CompletableFuture<Object> f : queued) {
                try {
                    seen.add(f.get(20, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    // Sent before the pool saw the death: that call was in flight and is told so.
                    assertInstanceOf(SessionRestoredException.class, e.getCause());
                }
            }
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> !old.equals(s.workerId())));
            assertEquals(1, s.restores());
            long n = (Long) s.call(T + "counter");
            assertEquals(n - 1, seen.size() + 1L, "results " + seen + ", then " + n);
            assertEquals(1L, ((Map<?, ?>) pool.call("info")).get("sessions"));
            s.close();
            assertFalse(s.isOpen());
            assertThrows(SessionClosedException.class, () -> s.call(T + "counter"));
            assertTrue(TestPools.eventually(Duration.ofSeconds(5),
                    () -> Long.valueOf(0).equals(((Map<?, ?>) pool.call("info")).get("sessions"))));
            assertEquals(0, pool.stats().sessions());
        }
    }
}
