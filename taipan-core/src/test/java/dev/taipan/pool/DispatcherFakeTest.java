package dev.taipan.pool;

import dev.taipan.AcquireTimeoutException;
import dev.taipan.CallCancelledException;
import dev.taipan.CallOptions;
import dev.taipan.CallTimeoutException;
import dev.taipan.PoolHealth;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PoolStats;
import dev.taipan.PythonException;
import dev.taipan.UnknownFunctionException;
import dev.taipan.WaitQueueFullException;
import dev.taipan.WorkerInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.taipan.pool.FakePools.await;
import static dev.taipan.pool.FakePools.config;
import static dev.taipan.pool.FakePools.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's routing, wait queue, timeouts and cancellation, against fake workers: where
 * each call goes, when it waits, how it ends, and that the counters say what the callers saw.
 */
class DispatcherFakeTest {

    @Test
    void answersACallAndShowsTheWorkersHello() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("add", call -> (Long) call.arg(0) + (Long) call.arg(1));
        try (PoolEngine pool = fakes.start(config())) {
            assertEquals(5L, pool.call("add", List.of(2, 3), null));

            List<WorkerInfo> workers = pool.workers();
            assertEquals(2, workers.size());
            for (WorkerInfo w : workers) {
                assertEquals("3.12.0", w.python());
                assertEquals(fakes.worker(w.id()).pid, w.pid());
                assertTrue(w.pid() > FakeProcess.PID_BASE, "a fake pid is never a real process's");
            }
            PoolStats s = pool.stats();
            assertEquals(1, s.callsCompleted());
            assertEquals(0, s.callsFailed());
            assertEquals(0, s.inFlight());
        }
    }

    @Test
    void aWorkerTakesAsManyCallsAtOnceAsItsHelloSays() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held()).helloSlots(1);
        try (PoolEngine pool = fakes.start(config().workers(1).slots(4))) {
            CompletableFuture<Object> first = pool.callAsync("work", List.of(1), null);
            CompletableFuture<Object> second = pool.callAsync("work", List.of(2), null);
            FakeCall running = fakes.takeCall();
            assertEquals(1L, running.arg(0));
            PoolStats s = pool.stats();
            assertEquals(1, s.inFlight(), "the worker said it takes one call, not the pool's four");
            assertEquals(1, s.waiting());
            assertEquals(List.of(), fakes.untakenCalls());

            running.release("a");
            assertEquals("a", await(first));
            FakeCall next = fakes.takeCall();
            assertEquals(2L, next.arg(0));
            next.release("b");
            assertEquals("b", await(second));
        }
    }

    @Test
    void aRetriedCallCarriesTheTimeLeftOfItsDeadlineNotItsWholeTimeout() {
        FakeWorkerSource fakes = new FakeWorkerSource().onIdempotent("work", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(2))) {
            CompletableFuture<Object> f = pool.callAsync("work", null, CallOptions.timeout(Duration.ofSeconds(20)));
            FakeCall first = fakes.takeCall();
            // Nearly the whole timeout (a loaded machine may take a moment to send it).
            assertTrue(first.timeoutMs <= 20_000 && first.timeoutMs > 15_000, "first send: " + first.timeoutMs);
            // Let a known stretch of the deadline pass before the worker dies.
            long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
            while (System.nanoTime() < until) {
                java.util.concurrent.locks.LockSupport.parkNanos(until - System.nanoTime());
            }
            first.worker().crash();
            FakeCall retry = fakes.takeCall();
            assertTrue(retry.timeoutMs <= first.timeoutMs - 300,
                    "the retry must carry the time left: first " + first.timeoutMs + " ms, retry " + retry.timeoutMs + " ms");
            retry.release("done");
            assertEquals("done", await(f));
            assertEquals(1, pool.stats().callsRetried());
        }
    }

    @Test
    void aPythonExceptionIsTypedAndTheWorkerKeepsServing() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("parse", FakeFunction.raising("json.decoder.JSONDecodeError", "Expecting value: line 1"))
                .on("ok", FakeFunction.returning("fine"));
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            PythonException e = assertThrows(PythonException.class, () -> pool.call("parse", List.of("{"), null));
            assertEquals("json.decoder.JSONDecodeError", e.pythonType());
            assertEquals("Expecting value: line 1", e.pythonMessage());
            assertTrue(e.pythonTraceback().contains("JSONDecodeError"), e.pythonTraceback());

            assertEquals("fine", pool.call("ok", null, null));
            assertEquals(1, fakes.started().size(), "an exception in Python costs no worker");
            assertEquals("completed=1 failed=1 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void anUnknownFunctionIsTypedWithTheWorkersList() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("known", FakeFunction.returning(1));
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            UnknownFunctionException e = assertThrows(UnknownFunctionException.class,
                    () -> pool.call("missing", null, null));
            assertTrue(e.getMessage().contains("known"), e.getMessage());
        }
    }

    @Test
    void callsGoToTheLeastBusyWorkerTiesToTheEarliest() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(2).slots(2))) {
            List<CompletableFuture<Object>> results = new ArrayList<>();
            List<String> placed = new ArrayList<>();
            List<FakeCall> running = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.callAsync("work", null, null));
                FakeCall c = fakes.takeCall(); // routed in submit: this call's, before the next is made
                placed.add(c.worker().id);
                running.add(c);
            }
            assertEquals(List.of("w-1", "w-2", "w-1", "w-2"), placed);
            assertEquals(4, pool.stats().inFlight());

            for (int i = 0; i < running.size(); i++) {
                running.get(i).release("r" + i);
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals("r" + i, await(results.get(i)));
            }
            assertEquals(0, pool.stats().inFlight());
        }
    }

    @Test
    void whenEverySlotIsBusyACallWaitsAndIsServedWhenOneFrees() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1).slots(1))) {
            CompletableFuture<Object> first = pool.callAsync("work", null, null);
            FakeCall running = fakes.takeCall();
            CompletableFuture<Object> second = pool.callAsync("work", null, null);

            PoolStats s = pool.stats();
            assertEquals(1, s.inFlight());
            assertEquals(1, s.waiting());
            assertEquals(PoolHealth.Status.SATURATED, pool.health().status());
            assertTrue(fakes.untakenCalls().isEmpty(), "the waiting call was not sent");

            running.release("one");
            assertEquals("one", await(first));
            FakeCall next = fakes.takeCall(); // sent as soon as the slot was freed
            assertEquals("w-1", next.worker().id);
            next.release("two");
            assertEquals("two", await(second));
            assertEquals(0, pool.stats().waiting());
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
        }
    }

    @Test
    void aFullWaitQueueRejectsAtOnce() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1).slots(1).maxWaiting(1))) {
            CompletableFuture<Object> running = pool.callAsync("work", null, null);
            FakeCall c = fakes.takeCall();
            CompletableFuture<Object> waiting = pool.callAsync("work", null, null);

            WaitQueueFullException e = assertThrows(WaitQueueFullException.class, () -> pool.call("work", null, null));
            assertEquals(1, e.stats().waiting());

            c.release("a");
            fakes.takeCall().release("b");
            assertEquals("a", await(running));
            assertEquals("b", await(waiting));
            assertEquals("completed=2 failed=1 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void aCallThatGetsNoSlotInTimeFailsWithAcquireTimeout() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1).slots(1).acquireTimeout(Duration.ofMillis(50)))) {
            CompletableFuture<Object> running = pool.callAsync("work", null, null);
            FakeCall c = fakes.takeCall();

            AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class,
                    () -> pool.call("work", null, null));
            assertEquals(1, e.stats().inFlight());
            assertTrue(fakes.untakenCalls().isEmpty(), "the call never reached a worker");
            assertEquals(0, pool.stats().waiting());

            c.release("done");
            assertEquals("done", await(running));
        }
    }

    @Test
    void aCallTimeoutFailsTheCallerAndSendsCancelToTheWorker() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("slow", FakeFunction.held())
                .on("fast", FakeFunction.returning("ok"));
        try (PoolEngine pool = fakes.start(config().workers(1).slots(1))) {
            CallTimeoutException e = assertThrows(CallTimeoutException.class,
                    () -> pool.call("slow", null, CallOptions.timeout(Duration.ofMillis(50))));
            assertEquals(Duration.ofMillis(50), e.timeout());
            FakeCall c = fakes.takeCall();
            await(c.cancelled()); // the cancel frame reached the worker
            // What was left of its 50 ms when it was sent (less if the sender was slow), not the pool's 30 s.
            assertTrue(c.timeoutMs >= 1 && c.timeoutMs <= 50, "the deadline travels with the call: " + c.timeoutMs);

            // The worker answered the cancel; the slot is free again, and the next call gets it.
            assertEquals("ok", pool.call("fast", null, null));
            PoolStats s = pool.stats();
            assertEquals("completed=1 failed=1 cancelled=0 timedOut=1 retried=0", FakePools.outcomes(s));
            assertEquals(0, s.inFlight());
        }
    }

    @Test
    void cancellingTheFutureCancelsTheCallInTheWorker() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("slow", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            CompletableFuture<Object> f = pool.callAsync("slow", null, null);
            FakeCall c = fakes.takeCall();

            assertTrue(f.cancel(true));
            assertTrue(f.isCancelled());
            await(c.cancelled());
            until("the worker's cancelled answer frees the slot", () -> pool.stats().inFlight() == 0);
            assertEquals("completed=0 failed=1 cancelled=1 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void aCallCancelledWhileWaitingNeverReachesAWorker() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1).slots(1))) {
            CompletableFuture<Object> running = pool.callAsync("work", null, null);
            FakeCall c = fakes.takeCall();
            CompletableFuture<Object> waiting = pool.callAsync("work", null, null);
            assertTrue(waiting.cancel(true));
            assertEquals(0, pool.stats().waiting());

            c.release("done");
            assertEquals("done", await(running));
            assertEquals(1, fakes.worker("w-1").receivedTypes().stream().filter("call"::equals).count());
            assertEquals("completed=1 failed=1 cancelled=1 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void interruptingAWaitingCallerCancelsItsCall() throws Exception {
        FakeWorkerSource fakes = new FakeWorkerSource().on("slow", FakeFunction.held());
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            CompletableFuture<Throwable> seen = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    pool.call("slow", null, null);
                    seen.complete(null);
                } catch (Throwable t) {
                    seen.complete(t);
                }
            });
            caller.start();
            FakeCall c = fakes.takeCall();
            caller.interrupt();

            assertInstanceOf(CallCancelledException.class, await(seen));
            await(c.cancelled());
            caller.join();
            assertEquals(1, pool.stats().callsCancelled());
        }
    }

    @Test
    void aDrainingWorkersRefusalIsRoutedToAnotherWorker() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("work", FakeFunction.held());
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(2).slots(2).listener(events))) {
            CompletableFuture<Object> onFirst = pool.callAsync("work", null, null);
            FakeCall a = fakes.takeCall();
            CompletableFuture<Object> onSecond = pool.callAsync("work", null, null);
            FakeCall b = fakes.takeCall();
            assertEquals("w-1", a.worker().id);
            assertEquals("w-2", b.worker().id);

            // SIGTERM from outside the pool: w-1 finishes its call but takes no new one.
            fakes.worker("w-1").startDraining();
            CompletableFuture<Object> third = pool.callAsync("work", null, null); // tie: w-1 first, refused
            FakeCall c = fakes.takeCall();
            assertEquals("w-2", c.worker().id, "re-routed after 'draining'");
            assertEquals(2, fakes.worker("w-1").receivedTypes().stream().filter("call"::equals).count(),
                    "w-1 was offered the call, and refused it");

            c.release("3");
            assertEquals("3", await(third));
            a.release("1");
            b.release("2");
            assertEquals("1", await(onFirst));
            assertEquals("2", await(onSecond));
            // Drained, w-1 exits 0; it was not the pool's plan, so it is replaced.
            assertEquals(0, await(events.exited("w-1")));
            await(events.ready(await(events.replacedBy("w-1"))));
            assertEquals("completed=3 failed=0 cancelled=0 timedOut=0 retried=0", FakePools.outcomes(pool.stats()));
        }
    }

    @Test
    void chunksArriveInOrderUnderTheCreditWindow() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("count", call -> {
            for (long i = 0; i < (Long) call.arg(0); i++) {
                call.chunk(i);
            }
            return null;
        });
        try (PoolEngine pool = fakes.start(config().workers(1).streamWindow(2))) {
            List<Object> got = new CopyOnWriteArrayList<>();
            Object r = pool.call("count", List.of(20), CallOptions.DEFAULT.withChunkConsumer(got::add));
            assertEquals(null, r);
            List<Object> expected = new ArrayList<>();
            for (long i = 0; i < 20; i++) {
                expected.add(i);
            }
            assertEquals(expected, got);
            // 20 chunks through a window of 2: the fake waited for acks, and the pool sent them.
            assertTrue(fakes.worker("w-1").receivedTypes().stream().filter("chunk_ack"::equals).count() >= 9,
                    fakes.worker("w-1").receivedTypes().toString());
        }
    }

    @Test
    void pythonCallsJavaBackDuringACall() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("agent", call -> call.callJava("tool", call.arg(0)));
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            Object r = pool.call("agent", List.of(21), CallOptions.DEFAULT.withCallback("tool", x -> (Long) x * 2));
            assertEquals(42L, r);

            PythonException e = assertThrows(PythonException.class, () -> pool.call("agent", List.of(1),
                    CallOptions.DEFAULT.withCallback("tool", x -> {
                        throw new IllegalStateException("no tool today");
                    })));
            assertTrue(e.getMessage().contains("no tool today"), e.getMessage());
        }
    }

    @Test
    void statsAgreeWithWhatCallersSaw() {
        FakeWorkerSource fakes = new FakeWorkerSource()
                .on("ok", FakeFunction.returning(1))
                .on("raise", FakeFunction.raising("ValueError", "no"))
                .on("slow", FakeFunction.held())
                .on("crash", FakeFunction.crashing(139));
        FakePools.Events events = new FakePools.Events();
        try (PoolEngine pool = fakes.start(config().workers(2).slots(2).listener(events))) {
            List<CompletableFuture<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                calls.add(pool.callAsync("ok", null, null));
            }
            calls.add(pool.callAsync("raise", null, null));
            calls.add(pool.callAsync("slow", null, CallOptions.timeout(Duration.ofMillis(30))));
            CompletableFuture<Object> cancelled = pool.callAsync("slow", null, null);
            cancelled.cancel(true);
            calls.add(cancelled);
            // A crash takes whatever else runs on its worker with it: who sees what varies, the
            // agreement between what they saw and what the pool counted may not.
            calls.add(pool.callAsync("crash", null, null));
            for (int i = 0; i < 5; i++) {
                calls.add(pool.callAsync("ok", null, null));
            }

            long ok = 0;
            long failed = 0;
            long timedOut = 0;
            long wasCancelled = 0;
            for (CompletableFuture<Object> f : calls) {
                Throwable e = FakePools.outcome(f);
                if (e == null) {
                    ok++;
                    continue;
                }
                failed++;
                wasCancelled += f.isCancelled() ? 1 : 0;
                timedOut += e instanceof CallTimeoutException ? 1 : 0;
            }
            assertEquals(1, wasCancelled);
            PoolStats s = pool.stats();
            assertEquals(ok, s.callsCompleted(), s.toString());
            assertEquals(failed, s.callsFailed(), s.toString());
            assertEquals(wasCancelled, s.callsCancelled(), s.toString());
            assertEquals(timedOut, s.callsTimedOut(), s.toString());
            assertEquals(ok + failed, events.outcomes.size());
            assertEquals(ok, events.outcomes.stream().filter(Outcome.SUCCESS::equals).count());
        }
    }
}
