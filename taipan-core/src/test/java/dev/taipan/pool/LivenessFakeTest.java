package dev.taipan.pool;

import dev.taipan.PoolClosedException;
import dev.taipan.WorkerUnresponsiveException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static dev.taipan.pool.FakePools.await;
import static dev.taipan.pool.FakePools.config;
import static dev.taipan.pool.FakePools.failure;
import static dev.taipan.pool.FakePools.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Liveness and shutdown against fake workers: a worker whose loop stops answering heartbeats
 * is declared dead, killed and replaced; closing the pool stops every worker with SIGTERM, and
 * SIGKILLs only one that does not drain in time.
 */
class LivenessFakeTest {
    /** Long enough that a healthy worker on a busy machine is never three intervals late. */
    private static final Duration HEARTBEAT = Duration.ofMillis(250);

    @Test
    void aWorkerThatStopsAnsweringHeartbeatsIsKilledAndReplaced() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("stuck", FakeFunction.hanging())
                .on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).heartbeatInterval(HEARTBEAT).listener(events))) {
            FakeWorker w = fakes.awaitStart(1);
            // Idle but answering: kept past three intervals without a word from it but heartbeats.
            until("four heartbeats answered", () -> w.heartbeatsAnswered() >= 4);
            assertEquals(1, fakes.started().size());

            CompletableFuture<Object> f = pool.callAsync("stuck", null, null);
            WorkerUnresponsiveException e = assertInstanceOf(WorkerUnresponsiveException.class, failure(f));
            assertEquals("w-1", e.workerId());
            assertTrue(e.getMessage().contains("stopped answering"), e.getMessage());
            assertEquals(137, e.exitCode(), "a stuck worker is SIGKILLed");
            assertTrue(w.process().wasKilled());

            await(events.ready(await(events.replacedBy("w-1"))));
            assertEquals("ok", pool.call("ok", null, null));
            assertEquals(1, pool.stats().workersReplaced());
        }
    }

    @Test
    void closingThePoolStopsEveryWorkerWithSigterm() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        PoolEngine pool = fakes.start(config().workers(3).listener(events));
        assertEquals("ok", pool.call("ok", null, null));
        pool.close();

        assertEquals(3, fakes.started().size());
        for (FakeWorker w : fakes.started()) {
            assertTrue(w.process().terminated().isDone(), w.id + " got SIGTERM");
            assertFalse(w.process().wasKilled(), w.id + " drained by itself");
            assertEquals(0, await(w.process().exitStatus()));
        }
        assertEquals(dev.taipan.PoolHealth.Status.CLOSED, pool.health().status());
        assertInstanceOf(PoolClosedException.class, failure(pool.callAsync("ok", null, null)));
    }

    @Test
    void aCallStillRunningAfterTheDrainTimeoutFailsAndItsWorkerIsKilled() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("forever", FakeFunction.held());
        PoolEngine pool = fakes.start(config().workers(1).drainTimeout(Duration.ofMillis(50))
                .killTimeout(Duration.ofMillis(50)));
        CompletableFuture<Object> f = pool.callAsync("forever", null, null);
        FakeCall c = fakes.takeCall();
        pool.close();

        assertInstanceOf(PoolClosedException.class, failure(f));
        FakeWorker w = c.worker();
        assertTrue(w.process().terminated().isDone());
        assertTrue(w.process().wasKilled(), "SIGKILL after the kill timeout: it never drained");
        assertEquals(137, await(w.process().exitStatus()));
    }
}
