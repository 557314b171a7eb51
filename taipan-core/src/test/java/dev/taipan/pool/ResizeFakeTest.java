package dev.taipan.pool;

import dev.taipan.PoolClosedException;
import dev.taipan.PoolHealth;
import dev.taipan.Session;
import dev.taipan.SessionOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static dev.taipan.pool.FakePools.await;
import static dev.taipan.pool.FakePools.config;
import static dev.taipan.pool.FakePools.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resize and recycleWorkers against fake workers: the engine's decisions, in seconds. */
class ResizeFakeTest {

    @Test
    void growingStartsWorkersAndHealthIsHealthyOnceTheyAreReady() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("who", call -> call.worker().id);
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            pool.resize(3);
            assertEquals(3, pool.stats().targetWorkers());
            until("3 ready", () -> pool.stats().ready() == 3);
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
            assertEquals("all 3 workers ready", pool.health().reason());
            assertEquals(3, fakes.started().size(), "exactly the missing workers were started");
        }
    }

    @Test
    void shrinkingDrainsTheIdleWorkerAndKeepsTheBusyOnesCallRunning() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("who", call -> call.worker().id)
                .on("long", FakeFunction.held());
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(2).slots(1).listener(events))) {
            CompletableFuture<Object> running = pool.callAsync("long", null, null);
            FakeCall held = fakes.takeCall();
            String busy = held.worker().id;
            CompletableFuture<Object> waiting = pool.callAsync("long", null, null); // the other worker
            FakeCall held2 = fakes.takeCall();
            CompletableFuture<Object> queued = pool.callAsync("who", null, null); // waits: no free slot
            pool.resize(1);
            assertEquals(1, pool.stats().ready(), "one worker takes no new calls at once");
            held2.release("second");
            held.release("first");
            assertEquals("first", await(running));
            assertEquals("second", await(waiting));
            Object servedBy = await(queued);
            until("one worker left", () -> pool.stats().workers() == 1);
            assertEquals(List.of(String.valueOf(servedBy)), pool.workers().stream().map(w -> w.id()).toList());
            assertEquals(0, pool.stats().callsFailed());
            assertEquals(0, pool.stats().workersReplaced(), "a retired worker is not replaced");
            assertTrue(Set.of("w-1", "w-2").contains(busy));
        }
    }

    @Test
    void aRetiredWorkerHoldingASessionServesItUntilItClosesThenLeaves() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("who", call -> call.worker().id);
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(2).listener(events))) {
            Session a = pool.openSession(SessionOptions.DEFAULT);
            Session b = pool.openSession(SessionOptions.DEFAULT); // one per worker
            Object aWorker = a.call("who");
            Object bWorker = b.call("who");
            assertFalse(aWorker.equals(bWorker));
            pool.resize(1);
            until("one kept", () -> pool.stats().ready() == 1);
            assertEquals(2, pool.stats().workers(), "both stay: each holds a session");
            assertEquals(aWorker, a.call("who"));
            assertEquals(bWorker, b.call("who"));
            String retired = pool.workersForTesting().stream().filter(w -> w.retiring).map(w -> w.id)
                    .findFirst().orElseThrow();
            for (int i = 0; i < 10; i++) {
                assertFalse(retired.equals(pool.call("who", null, null)), "no new call goes to a retiring worker");
            }
            (retired.equals(aWorker) ? a : b).close();
            assertEquals(0, await(events.exited(retired)));
            assertEquals(1, pool.stats().workers());
            pool.resize(2);
            until("two ready", () -> pool.stats().ready() == 2);
        }
    }

    @Test
    void recycleWorkersReplacesEachOneAtATime() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("who", call -> call.worker().id);
        try (PoolEngine pool = fakes.start(config().workers(3))) {
            Set<String> before = pool.workers().stream().map(w -> w.id()).collect(Collectors.toSet());
            await(pool.recycleWorkers());
            Set<String> after = pool.workers().stream().map(w -> w.id()).collect(Collectors.toSet());
            assertEquals(3, after.size());
            assertTrue(after.stream().noneMatch(before::contains), before + " -> " + after);
            assertEquals(3, pool.stats().workersRecycled());
            assertEquals(0, pool.stats().workersReplaced());
            assertEquals(6, fakes.started().size(), "one successor per worker, no more");
        }
    }

    @Test
    void badArgumentsAndAClosedPoolGetTypedErrors() {
        FakeWorkerSource fakes = new FakeWorkerSource();
        PoolEngine pool = fakes.start(config().workers(1));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> pool.resize(0));
        assertEquals("resize: workers must be between 1 and 1024, got 0", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.resize(1025));
        assertEquals(1, pool.stats().targetWorkers(), "a refused resize changes nothing");
        pool.close();
        assertThrows(PoolClosedException.class, () -> pool.resize(2));
        assertThrows(PoolClosedException.class, pool::recycleWorkers);
    }
}
