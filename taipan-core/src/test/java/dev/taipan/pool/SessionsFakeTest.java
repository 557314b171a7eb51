package dev.taipan.pool;

import dev.taipan.SessionClosedException;
import dev.taipan.SessionLostException;
import dev.taipan.SessionOptions;
import dev.taipan.SessionRestoredException;
import dev.taipan.SessionSnapshot;
import dev.taipan.Session;
import dev.taipan.SnapshotPolicy;
import dev.taipan.WorkerCrashedException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.taipan.pool.FakePools.await;
import static dev.taipan.pool.FakePools.config;
import static dev.taipan.pool.FakePools.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions against fake workers: calls pinned to the worker holding the state; a session
 * without snapshots is lost with its worker; one with snapshots moves, and its new worker
 * gets {@code session_restore} before any of its calls.
 */
class SessionsFakeTest {
    private static final SessionOptions AFTER_EACH_CALL = SessionOptions.builder()
            .snapshots(SnapshotPolicy.AFTER_EACH_CALL).build();

    /** A session-aware counter: {@code session["n"] += 1}, returns it. */
    private static FakeWorkerSource counting() {
        return new FakeWorkerSource()
                .on("incr", call -> {
                    Map<String, Object> state = call.state();
                    long n = (Long) state.getOrDefault("n", 0L) + 1;
                    state.put("n", n);
                    return n;
                })
                .on("hold", FakeFunction.held())
                .on("where", call -> call.worker().id);
    }

    @Test
    void aSessionsCallsStayOnItsWorkerAndSeeItsState() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            Session a = pool.openSession(SessionOptions.DEFAULT);
            Session b = pool.openSession(SessionOptions.DEFAULT);
            assertNotEquals(a.workerId(), b.workerId(), "sessions spread over the workers");

            for (long i = 1; i <= 5; i++) {
                assertEquals(i, a.call("incr"));
                assertEquals(a.workerId(), a.call("where"));
            }
            assertEquals(1L, b.call("incr"), "each session has its own state");
            assertEquals(2, pool.stats().sessions());
        }
    }

    @Test
    void aSessionsCallsWaitForItsWorkerRatherThanGoElsewhere() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(2).slots(1))) {
            Session s = pool.openSession(SessionOptions.DEFAULT);
            CompletableFuture<Object> busy = s.callAsync("hold", null);
            FakeCall held = fakes.takeCall();
            CompletableFuture<Object> queued = s.callAsync("where", null);
            assertEquals(1, pool.stats().waiting(), "the other worker's free slot is not the session's");
            assertNotEquals(s.workerId(), pool.call("where", null, null), "but a plain call's");
            assertEquals(1, pool.stats().waiting());

            held.release("done");
            assertEquals("done", await(busy));
            assertEquals(s.workerId(), await(queued));
        }
    }

    @Test
    void aSessionWithoutSnapshotsIsLostWithItsWorker() {
        FakeWorkerSource fakes = counting();
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(2).listener(events))) {
            Session s = pool.openSession(SessionOptions.DEFAULT);
            assertEquals(1L, s.call("incr"));
            CompletableFuture<Object> inFlight = s.callAsync("hold", null);
            FakeCall held = fakes.takeCall();
            held.worker().crash();

            SessionLostException lost = assertInstanceOf(SessionLostException.class, failure(inFlight));
            WorkerCrashedException why = assertInstanceOf(WorkerCrashedException.class, lost.getCause());
            assertEquals(139, why.exitCode());
            assertThrows(SessionLostException.class, () -> s.call("incr"), "and so are its later calls");
            assertFalse(s.isOpen());
            assertEquals(0, pool.stats().sessions());

            await(events.ready(await(events.replacedBy(held.worker().id))));
            Session fresh = pool.openSession(SessionOptions.DEFAULT);
            assertEquals(1L, fresh.call("incr"), "a new session starts from nothing");
        }
    }

    @Test
    void aSessionWithSnapshotsMovesAndItsNewWorkerIsRestoredFirst() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            Session s = pool.openSession(AFTER_EACH_CALL);
            String first = s.workerId();
            assertEquals(1L, s.call("incr"));
            assertEquals(2L, s.call("incr"));
            assertEquals(2L, s.lastSnapshot().orElseThrow().seq());

            CompletableFuture<Object> inFlight = s.callAsync("hold", null);
            FakeCall held = fakes.takeCall();
            held.worker().crash();

            SessionRestoredException restored = assertInstanceOf(SessionRestoredException.class, failure(inFlight));
            assertEquals(2, restored.snapshotSeq());
            assertEquals(3L, s.call("incr"), "the state moved with the session");
            assertNotEquals(first, s.workerId());
            assertEquals(1, s.restores());
            SessionSnapshot from = s.lastRestored().orElseThrow();
            assertEquals(2, from.seq());
            assertEquals(Map.of("n", 2L), from.state());

            List<Map<String, Object>> frames = fakes.worker(s.workerId()).received();
            int restore = indexOf(frames, "session_restore", s.id());
            int call = indexOf(frames, "call", s.id());
            assertTrue(restore >= 0 && restore < call, "session_restore before the session's first call: " + frames);
            assertEquals(2L, frames.get(restore).get("seq"));
            assertEquals(Map.of("n", 2L), frames.get(restore).get("state"));
            assertEquals("after_each_call", frames.get(restore).get("snapshots"));
        }
    }

    private static int indexOf(List<Map<String, Object>> frames, String type, String session) {
        for (int i = 0; i < frames.size(); i++) {
            if (type.equals(frames.get(i).get("type")) && session.equals(frames.get(i).get("session"))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void anOnRequestSnapshotIsTakenByTheWorkerWhenAsked() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            Session s = pool.openSession(SessionOptions.builder().snapshots(SnapshotPolicy.ON_REQUEST).build());
            assertEquals(1L, s.call("incr"));
            assertEquals(2L, s.call("incr"));
            assertTrue(s.lastSnapshot().isEmpty(), "on request: none after a call");

            SessionSnapshot snap = s.snapshot();
            assertEquals(1, snap.seq());
            assertEquals(Map.of("n", 2L), snap.state());
            assertEquals("w-1", snap.workerId());
            assertEquals("session_open", fakes.worker("w-1").receivedTypes().get(0), "announced before its first call");
        }
    }

    @Test
    void closingASessionFreesItsStateInTheWorker() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            Session s = pool.openSession(SessionOptions.DEFAULT);
            assertEquals(1L, s.call("incr"));
            FakeWorker w = fakes.worker(s.workerId());
            assertTrue(w.holdsSession(s.id()));

            s.close();
            assertEquals("w-1", pool.call("where", null, null)); // frames keep their order: session_close came first
            assertFalse(w.holdsSession(s.id()));
            assertThrows(SessionClosedException.class, () -> s.call("incr"));
            assertEquals(0, pool.stats().sessions());
        }
    }

    @Test
    void aMovingSessionsCallsWaitForTheReplacementWhenNoWorkerIsLeft() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            Session s = pool.openSession(AFTER_EACH_CALL);
            assertEquals(1L, s.call("incr"));
            fakes.pauseStarts();
            fakes.worker("w-1").crash();
            FakeWorker replacement = fakes.awaitStart(2);
            CompletableFuture<Object> next = s.callAsync("incr", null);

            fakes.resumeStarts();
            assertEquals(2L, await(next));
            assertEquals(replacement.id, s.workerId());
            assertEquals(List.of("session_restore", "call"), replacement.receivedTypes().subList(0, 2));
        }
    }

    @Test
    void anIdleSessionIsEvictedAndItsWorkerForgetsIt() {
        FakeWorkerSource fakes = counting();
        try (PoolEngine pool = fakes.start(config().workers(1).sessionIdleTimeout(Duration.ofMillis(50)))) {
            Session s = pool.openSession(SessionOptions.DEFAULT);
            assertEquals(1L, s.call("incr"));
            FakeWorker w = fakes.worker(s.workerId());

            FakePools.until("the worker got session_close", () -> !w.holdsSession(s.id()));
            SessionClosedException e = assertThrows(SessionClosedException.class, () -> s.call("incr"));
            assertTrue(e.getMessage().contains("evicted"), e.getMessage());
            assertEquals(0, pool.stats().sessions());
        }
    }
}
