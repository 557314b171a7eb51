package dev.taipan.pool;

import dev.taipan.PoolStats;
import dev.taipan.Session;
import dev.taipan.SessionOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.taipan.pool.FakePools.await;
import static dev.taipan.pool.FakePools.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Recycling at {@code recycleAfterCalls}, against fake workers: the replacement starts first,
 * the old worker keeps serving until it is ready, then drains its own calls and is told to
 * exit (SIGTERM, exit 0); no call is lost and no capacity either.
 */
class RecyclerFakeTest {

    @Test
    void aWorkerAtItsCallLimitIsReplacedFirstThenDrainsAndExits() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("quick", call -> call.worker().id)
                .on("long", FakeFunction.held());
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).slots(2).recycleAfterCalls(2).listener(events))) {
            FakeWorker old = fakes.awaitStart(1);
            CompletableFuture<Object> longCall = pool.callAsync("long", null, null);
            FakeCall running = fakes.takeCall();

            fakes.pauseStarts(); // so the successor's start can be watched
            assertEquals("w-1", pool.call("quick", null, null));
            assertEquals("w-1", pool.call("quick", null, null)); // the limit: recycling begins
            FakeWorker successor = fakes.awaitStart(2);
            assertFalse(old.process().terminated().isDone(), "the old worker is not stopped before its successor is ready");
            assertEquals("w-1", pool.call("quick", null, null), "and it keeps serving meanwhile");
            assertEquals(2, pool.stats().workers());

            fakes.resumeStarts();
            await(events.ready(successor.id));
            assertEquals("w-2", pool.call("quick", null, null), "new calls go to the successor");
            assertFalse(old.process().terminated().isDone(), "the old worker still drains its own call");

            running.release("finished");
            assertEquals("finished", await(longCall));
            await(old.process().terminated()); // SIGTERM once drained ...
            assertEquals(0, await(events.exited(old.id))); // ... and a clean exit
            assertFalse(old.process().wasKilled());

            PoolStats s = pool.stats();
            assertEquals(1, s.workersRecycled());
            assertEquals(0, s.workersReplaced(), "a recycled worker's successor is no replacement");
            assertEquals("completed=5 failed=0 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(s));
            assertEquals(List.of("w-2"), pool.workers().stream().map(w -> w.id()).toList());
        }
    }

    @Test
    void aWorkerHoldingASessionIsRecycledOnlyOnceTheSessionCloses() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("quick", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).recycleAfterCalls(1).listener(events))) {
            Session session = pool.openSession(SessionOptions.DEFAULT);
            assertEquals("ok", session.call("quick"));
            // Past its limit, but recycling now would lose the session's state.
            assertEquals(1, fakes.started().size());

            session.close();
            assertEquals("ok", pool.call("quick", null, null)); // the next completion recycles it
            FakeWorker successor = fakes.awaitStart(2);
            await(events.ready(successor.id));
            assertEquals(0, await(events.exited("w-1")));
            assertTrue(fakes.worker("w-1").process().terminated().isDone());
            assertEquals(1, pool.stats().workersRecycled());
        }
    }

    @Test
    void aSuccessorThatFailsToStartLeavesTheOldWorkerServing() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("quick", call -> call.worker().id);
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).recycleAfterCalls(1).listener(events))) {
            fakes.failNextStarts(1);
            assertEquals("w-1", pool.call("quick", null, null));
            FakeWorker failed = fakes.awaitStart(2);
            assertEquals(2, await(events.exited(failed.id)));

            assertFalse(fakes.worker("w-1").process().terminated().isDone(), "the old worker keeps serving");
            assertEquals(0, pool.stats().workersRecycled());

            fakes.pauseStarts();
            assertEquals("w-1", pool.call("quick", null, null));
            fakes.awaitStart(3); // and its next completion tries again
            assertFalse(fakes.worker("w-1").process().terminated().isDone());
        }
    }

    @Test
    void aWorkerReportingOverrunThreadsIsRecycled() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("quick", call -> call.worker().id);
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).heartbeatInterval(Duration.ofMillis(100))
                .listener(events))) {
            fakes.awaitStart(1).reportOverrun(1); // a thread the worker cannot stop: a slot lost for good
            FakeWorker successor = fakes.awaitStart(2);
            await(events.ready(successor.id));
            assertEquals(0, await(events.exited("w-1")));
            assertEquals("w-2", pool.call("quick", null, null));
            assertEquals(1, pool.stats().workersRecycled());
            assertEquals(0, pool.stats().workersReplaced());
        }
    }
}
