package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timeouts, cancellation and back-pressure: every path gives back what it held. */
@Tag("python")
class LimitsTest {
    private static PoolConfig.Builder oneSlot() {
        return TestPools.config().workers(1).slots(1);
    }

    @Test
    void aCallPastItsDeadlineTimesOutAndItsSlotComesBack() {
        try (TaipanPool pool = TaipanPool.start(oneSlot().build())) {
            CallTimeoutException e = assertThrows(CallTimeoutException.class,
                    () -> pool.call("sleep", List.of(30), CallOptions.timeout(Duration.ofMillis(300))));
            assertEquals(Duration.ofMillis(300), e.timeout());
            assertTrue(e.getMessage().contains("running on worker"), e.getMessage());
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 0),
                    () -> pool.stats().toString());
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void aThreadFunctionPastItsDeadlineTimesOutToo() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).slots(2).build())) {
            assertThrows(CallTimeoutException.class, () -> pool.call("taipan_testing.functions:block", List.of(2),
                    CallOptions.timeout(Duration.ofMillis(200))));
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void cancellingAFutureCancelsThePythonCallAndFreesTheSlot() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneSlot().build())) {
            CompletableFuture<Object> f = pool.callAsync("sleep", List.of(30));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            assertTrue(f.cancel(true));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 0),
                    () -> pool.stats().toString());
            assertEquals("pong", pool.call("ping"), "the only slot must be free again");
        }
    }

    @Test
    void cancellingAQueuedCallRemovesItFromTheQueue() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneSlot().build())) {
            // Long enough that the ping is still queued when the test looks, on a loaded machine too.
            CompletableFuture<Object> first = pool.callAsync("sleep", List.of(2.0));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            CompletableFuture<Object> queued = pool.callAsync("ping", null);
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().waiting() == 1));
            queued.cancel(true);
            assertEquals(0, pool.stats().waiting());
            assertEquals(2.0, first.get(20, TimeUnit.SECONDS));
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void interruptingAWaitingThreadCancelsItsCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneSlot().build())) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            Thread caller = new Thread(() -> {
                try {
                    pool.call("sleep", List.of(30));
                } catch (Throwable t) {
                    thrown.set(t);
                    flag.set(Thread.currentThread().isInterrupted());
                } finally {
                    done.countDown();
                }
            });
            caller.start();
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            caller.interrupt();
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertInstanceOf(CallCancelledException.class, thrown.get());
            assertTrue(flag.get(), "the interrupt flag must be kept");
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 0));
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void theAcquireTimeoutErrorCarriesThePoolStats() {
        try (TaipanPool pool = TaipanPool.start(oneSlot().acquireTimeout(Duration.ofMillis(200)).build())) {
            pool.callAsync("sleep", List.of(5));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            AcquireTimeoutException e = assertThrows(AcquireTimeoutException.class, () -> pool.call("ping"));
            assertEquals(1, e.stats().inFlight());
            assertTrue(e.getMessage().contains("inFlight=1"), e.getMessage());
            assertTrue(e.getMessage().contains("ready=1"), e.getMessage());
            assertEquals(0, pool.stats().waiting());
        }
    }

    @Test
    void aFullWaitQueueRefusesAtOnce() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneSlot().maxWaiting(1).build())) {
            pool.callAsync("sleep", List.of(3));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            CompletableFuture<Object> waiting = pool.callAsync("ping", null);
            assertTrue(TestPools.eventually(Duration.ofSeconds(10),
                    () -> pool.health().status() == PoolHealth.Status.SATURATED), () -> pool.health().toString());
            assertTrue(pool.health().reason().contains("1 calls are waiting"), pool.health().reason());
            WaitQueueFullException e = assertThrows(WaitQueueFullException.class, () -> pool.call("ping"));
            assertEquals(1, e.stats().waiting());
            assertEquals("pong", waiting.get(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void callsOnAClosedPoolFailTyped() {
        TaipanPool pool = TaipanPool.start(oneSlot().build());
        pool.close();
        assertThrows(PoolClosedException.class, () -> pool.call("ping"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> pool.callAsync("ping", null).get(5, TimeUnit.SECONDS));
        assertInstanceOf(PoolClosedException.class, e.getCause());
        pool.close(); // idempotent
    }
}
