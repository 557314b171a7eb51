package dev.taipan.pool;

import dev.taipan.CallOptions;
import dev.taipan.PoolHealth;
import dev.taipan.PoolStartException;
import dev.taipan.PoolStats;
import dev.taipan.PoolUnavailableException;
import dev.taipan.WorkerCrashedException;
import dev.taipan.WorkerProtocolException;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.taipan.pool.FakePools.await;
import static dev.taipan.pool.FakePools.config;
import static dev.taipan.pool.FakePools.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Worker deaths and starts, against fake workers: a death mid-call is typed with the exit
 * status, the worker is replaced and the pool heals; idempotent calls run again elsewhere,
 * but not past the crash barrier; failing starts back off, open the circuit, and a good
 * start closes it.
 */
class SupervisorFakeTest {

    @Test
    void aWorkerDyingMidCallFailsTheCallTypedAndIsReplaced() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("segv", FakeFunction.crashing(139))
                .on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(2).listener(events))) {
            WorkerCrashedException e = assertThrows(WorkerCrashedException.class, () -> pool.call("segv", null, null));
            assertEquals("w-1", e.workerId());
            assertEquals(139, e.exitCode());
            assertEquals(11, e.signal());
            assertTrue(e.getMessage().contains("SIGSEGV"), e.getMessage());

            String successor = await(events.replacedBy("w-1"));
            assertEquals("w-3", successor);
            assertEquals(139, await(events.exited("w-1")));
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
            for (int i = 0; i < 4; i++) {
                assertEquals("ok", pool.call("ok", null, null));
            }
            PoolStats s = pool.stats();
            assertEquals(1, s.workersReplaced());
            assertEquals("completed=4 failed=1 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(s));
            assertEquals(3, fakes.started().size());
        }
    }

    @Test
    void aSigkilledWorkersCallFailsWithSignal9() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("slow", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            CompletableFuture<Object> f = pool.callAsync("slow", null, null);
            FakeCall c = fakes.takeCall();
            c.worker().process().kill(); // an operator's kill -9

            WorkerCrashedException e = assertInstanceOf(WorkerCrashedException.class, failure(f));
            assertEquals(137, e.exitCode());
            assertEquals(9, e.signal());
        }
    }

    @Test
    void anIdempotentCallIsRetriedOnAnotherWorker() {
        FakeWorkerSource fakes = new FakeWorkerSource().onIdempotent("fetch", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            CompletableFuture<Object> f = pool.callAsync("fetch", List.of("url"), null);
            FakeCall first = fakes.takeCall();
            first.worker().crash();

            FakeCall again = fakes.takeCall();
            assertNotEquals(first.worker().id, again.worker().id);
            assertEquals(first.args, again.args, "the same call, run again");
            again.release("page");
            assertEquals("page", await(f));
            assertEquals("completed=1 failed=0 cancelled=0 timedOut=0 retried=1", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void aCallTheCallerMarksIdempotentIsRetriedAndAnUnmarkedOneIsNot() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("step", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            CompletableFuture<Object> marked = pool.callAsync("step", null, CallOptions.DEFAULT.withIdempotent(true));
            FakeCall m = fakes.takeCall();
            m.worker().crash();
            FakeCall retried = fakes.takeCall();
            retried.release("done");
            assertEquals("done", await(marked));

            CompletableFuture<Object> plain = pool.callAsync("step", null, null);
            FakeCall p = fakes.takeCall();
            p.worker().crash();
            WorkerCrashedException e = assertInstanceOf(WorkerCrashedException.class, failure(plain));
            assertEquals(p.worker().id, e.workerId());
            assertTrue(fakes.untakenCalls().isEmpty(), "a call that may not run twice was not run again");
            assertEquals("completed=1 failed=1 cancelled=0 timedOut=0 retried=1", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void theCrashBarrierStopsACallThatCrashedTwoWorkers() {
        FakeWorkerSource fakes = new FakeWorkerSource().onIdempotent("poison", FakeFunction.crashing(139));
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            WorkerCrashedException e = assertThrows(WorkerCrashedException.class, () -> pool.call("poison", null, null));
            assertTrue(e.getMessage().contains("not retried again"), e.getMessage());
            assertTrue(e.getMessage().contains("crashed 2 workers"), e.getMessage());

            FakeCall first = fakes.takeCall();
            FakeCall second = fakes.takeCall();
            assertNotEquals(first.worker().id, second.worker().id);
            assertTrue(fakes.untakenCalls().isEmpty(), "no third worker was offered the poison");
            assertEquals("completed=0 failed=1 cancelled=0 timedOut=0 retried=1", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void killsFromOutsideDoNotCountTowardsTheCrashBarrier() {
        FakeWorkerSource fakes = new FakeWorkerSource().onIdempotent("fetch", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            CompletableFuture<Object> f = pool.callAsync("fetch", null, null);
            fakes.takeCall().worker().process().kill();
            fakes.takeCall().worker().process().kill();
            FakeCall third = fakes.takeCall(); // two SIGKILLs: not the call's fault, so it runs a third time
            third.release("ok");
            assertEquals("ok", await(f));
            assertEquals(2, pool.stats().callsRetried());
        }
    }

    /*
     * A worker told to stop from outside the pool (SIGTERM) finishes its call, flushes the answer
     * and exits 0. Its exit and its last frames reach the JVM by different paths (the process
     * reaper, the socket) in no set order; here the exit is noticed first. The answer must
     * still reach its caller: the engine reads the connection to its end before it takes the
     * exit as the worker's death (it used to fail the call as "exited with status 0").
     */
    @Test
    void answersSentJustBeforeADrainedExitReachTheirCallers() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held()).exitsRaceAnswers(true);
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            CompletableFuture<Object> f = pool.callAsync("work", null, null);
            FakeCall c = fakes.takeCall();
            c.worker().startDraining(); // SIGTERM from outside the pool
            c.release("answer");

            assertEquals("answer", await(f));
            assertEquals("completed=1 failed=0 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void aWorkerOfAnotherProtocolVersionFailsTheStartNamingBothVersionsAndTheFix() {
        FakeWorkerSource fakes = new FakeWorkerSource().helloVersions(2, "9.9.9");
        PoolStartException e = assertThrows(PoolStartException.class, () -> fakes.start(config().workers(1)));
        assertTrue(e.getMessage().contains("speaks protocol version 2 (taipan_worker 9.9.9)"), e.getMessage());
        assertTrue(e.getMessage().contains("this pool speaks version " + dev.taipan.protocol.Messages.VERSION),
                e.getMessage());
        assertTrue(e.getMessage().contains("PythonEnvironment.provisioned()"), e.getMessage());
    }

    @Test
    void aWorkerThatFailsItsFirstStartFailsThePoolStartWithItsStatus() {
        FakeWorkerSource fakes = new FakeWorkerSource().failNextStarts(1);
        PoolStartException e = assertThrows(PoolStartException.class, () -> fakes.start(config().workers(1)));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("exited with status 2"), e.getMessage());
        assertTrue(fakes.started().get(0).hasExited());
    }

    @Test
    void failingStartsBackOffExponentially() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("ok", FakeFunction.returning(1));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).listener(events)
                .restartBackoff(Duration.ofMillis(20), Duration.ofSeconds(1)))) {
            fakes.failNextStarts(3);
            fakes.awaitStart(1).crash();
            FakeWorker good = fakes.awaitStart(5);
            await(events.ready(good.id));

            List<FakeWorker> w = fakes.started();
            for (int i = 1; i <= 3; i++) {
                assertEquals(2, await(w.get(i).process().exitStatus()), "start " + (i + 1) + " failed");
            }
            // A served worker is replaced at once; each failed start doubles the wait before the next.
            assertAtLeast(20, w.get(1), w.get(2));
            assertAtLeast(40, w.get(2), w.get(3));
            assertAtLeast(80, w.get(3), w.get(4));
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
            assertEquals(1L, pool.call("ok", null, null));
            assertEquals(1, pool.stats().workersReplaced(), "failed starts replace nothing");
        }
    }

    private static void assertAtLeast(long millis, FakeWorker before, FakeWorker after) {
        long gap = TimeUnit.NANOSECONDS.toMillis(after.launchedNanos - before.launchedNanos);
        assertTrue(gap >= millis, after.id + " launched " + gap + " ms after " + before.id + ", expected >= " + millis);
    }

    @Test
    void repeatedStartFailuresOpenTheCircuitAndAGoodStartClosesIt() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).listener(events)
                .restartBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .maxConsecutiveStartFailures(3)
                .circuitRetryInterval(Duration.ofMillis(20)))) {
            fakes.failNextStarts(3);
            fakes.pauseStarts(); // the probe after them connects but waits before hello
            fakes.awaitStart(1).crash();
            FakeWorker third = fakes.awaitStart(4);
            await(events.exited(third.id)); // the circuit opened as its failure was counted

            PoolHealth h = pool.health();
            assertEquals(PoolHealth.Status.CIRCUIT_OPEN, h.status());
            assertTrue(h.reason().contains("3 consecutive worker start failures"), h.reason());
            PoolUnavailableException e = assertThrows(PoolUnavailableException.class, () -> pool.call("ok", null, null));
            assertTrue(e.getMessage().contains("exited with status 2"), e.getMessage());

            FakeWorker probe = fakes.awaitStart(5);
            fakes.resumeStarts();
            await(events.ready(probe.id));
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
            assertEquals("ok", pool.call("ok", null, null));
            assertEquals("completed=1 failed=1 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void callsWaitingWhenTheCircuitOpensFailUnavailable() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).listener(events)
                .restartBackoff(Duration.ofMillis(1), Duration.ofMillis(5))
                .maxConsecutiveStartFailures(2)
                .circuitRetryInterval(Duration.ofSeconds(30)))) {
            fakes.pauseStarts();
            fakes.awaitStart(1).crash();
            FakeWorker starting = fakes.awaitStart(2);
            // No worker ready, the circuit closed: the call waits for the start.
            CompletableFuture<Object> waiting = pool.callAsync("ok", null, null);
            assertEquals(1, pool.stats().waiting());

            fakes.failNextStarts(1); // the next start fails too ...
            starting.exit(2);        // ... after this one: two in a row open the circuit
            assertInstanceOf(PoolUnavailableException.class, failure(waiting));
            assertEquals(PoolHealth.Status.CIRCUIT_OPEN, pool.health().status());
        }
    }

    @Test
    void aWorkerThatNeverSaysHelloIsKilledAtTheStartTimeoutAndReplaced() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        fakes.pauseStarts();
        try (PoolEngine pool = fakes.start(config().workers(1).lazyStart(true).listener(events)
                .startTimeout(Duration.ofMillis(100)))) {
            FakeWorker silent = fakes.awaitStart(1);
            assertEquals(137, await(events.exited(silent.id)));
            assertTrue(silent.process().wasKilled());

            fakes.resumeStarts();
            assertEquals("ok", pool.call("ok", null, null)); // waits for the replacement
            assertTrue(fakes.started().size() >= 2);
        }
    }

    @Test
    void aWorkerThatBreaksTheProtocolIsReplacedAndItsCallFailsTyped() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("rogue", call -> {
                    call.worker().send(Messages.call(1, "nope", null, null, null)); // only the host sends calls
                    return call.hold();
                })
                .on("ok", FakeFunction.returning("ok"));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(1).listener(events))) {
            WorkerProtocolException e = assertThrows(WorkerProtocolException.class, () -> pool.call("rogue", null, null));
            assertTrue(e.getMessage().contains("may not send 'call'"), e.getMessage());
            await(events.ready(await(events.replacedBy("w-1"))));
            assertEquals("ok", pool.call("ok", null, null));
            assertEquals(1, pool.stats().workersReplaced());
        }
    }

    @Test
    void anIdempotentCallOfTheOnlyWorkerWaitsForItsReplacement() {
        FakeWorkerSource fakes = new FakeWorkerSource().onIdempotent("fetch", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            CompletableFuture<Object> f = pool.callAsync("fetch", null, null);
            fakes.pauseStarts();
            fakes.takeCall().worker().crash();
            FakeWorker replacement = fakes.awaitStart(2);
            FakePools.until("the retry waits for a worker", () -> pool.stats().waiting() == 1);

            fakes.resumeStarts();
            FakeCall again = fakes.takeCall();
            assertEquals(replacement.id, again.worker().id);
            again.release("ok");
            assertEquals("ok", await(f));
            assertEquals("completed=1 failed=0 cancelled=0 timedOut=0 retried=1", FakePools.outcomes(pool.stats()));
        }
    }
}
