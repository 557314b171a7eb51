package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A chunk consumer is part of its call: the call's timeout bounds it, its exception fails the
 * call (and cancels it in Python), and a slow one holds the generator back (a bounded window)
 * instead of piling chunks up in the JVM or stalling other calls.
 */
@Tag("python")
class BoundedStreamsTest {
    private static final String T = "taipan_testing.functions:";

    private static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static void assertHealthy(TaipanPool pool, long pid) {
        assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 0),
                () -> "the worker freed the slot: " + pool.stats());
        assertEquals("pong", pool.call("ping"));
        assertEquals(pid, pool.workers().get(0).pid(), "the same worker, never replaced");
        assertEquals(0L, pool.stats().workersReplaced());
    }

    /** A consumer that blocks on its first chunk until {@code release} (at most 15 s). */
    private static java.util.function.Consumer<Object> blockedUntil(CountDownLatch release) {
        return chunk -> {
            try {
                release.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    @Test
    void aBlockedConsumerCannotHoldASyncCallPastItsTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            long pid = pool.workers().get(0).pid();
            CallOptions opts = CallOptions.timeout(Duration.ofSeconds(1)).withChunkConsumer(blockedUntil(release));
            long t0 = System.nanoTime();
            CallTimeoutException e = assertThrows(CallTimeoutException.class,
                    () -> pool.call(T + "count_up", List.of(5), opts));
            // Far below the 15 s the consumer blocks: the timeout ended it, on a loaded machine too.
            assertTrue(since(t0).compareTo(Duration.ofSeconds(10)) < 0, "ended by its 1 s timeout, took " + since(t0));
            assertEquals(Duration.ofSeconds(1), e.timeout());
            release.countDown();
            assertHealthy(pool, pid);
            PoolStats stats = pool.stats();
            assertEquals(1L, stats.callsFailed(), stats::toString);
            assertEquals(1L, stats.callsTimedOut(), stats::toString);
            assertEquals(1L, stats.callsCompleted(), "the ping only: " + stats);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aBlockedConsumerCannotHoldAnAsyncCallPastItsTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            long pid = pool.workers().get(0).pid();
            CallOptions opts = CallOptions.timeout(Duration.ofSeconds(1)).withChunkConsumer(blockedUntil(release));
            long t0 = System.nanoTime();
            // A long stream: the worker is still producing (held back by the window) when the timeout hits.
            CompletableFuture<Object> f = pool.callAsync(T + "count_up_async", Map.of("n", 10_000), opts);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(CallTimeoutException.class, e.getCause());
            assertTrue(since(t0).compareTo(Duration.ofSeconds(10)) < 0, "took " + since(t0));
            // The stream was cancelled in Python although the consumer is still blocked.
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> pool.stats().inFlight() == 0),
                    () -> pool.stats().toString());
            release.countDown();
            assertHealthy(pool, pid);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aConsumerThatThrowsFailsTheCallWithItsExceptionAndCancelsItInPython() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            long pid = pool.workers().get(0).pid();
            IllegalStateException bug = new IllegalStateException("consumer bug");
            List<Object> seen = Collections.synchronizedList(new ArrayList<>());
            // 1000 chunks 10 ms apart: 10 s of streaming unless the worker is told to stop.
            ChunkConsumerException e = assertThrows(ChunkConsumerException.class,
                    () -> pool.call(T + "count_up_async", Map.of("n", 1000, "delay", 0.01),
                            CallOptions.DEFAULT.withChunkConsumer(c -> {
                                seen.add(c);
                                throw bug;
                            })));
            assertSame(bug, e.getCause());
            assertTrue(e.getMessage().contains("count_up_async"), e.getMessage());
            assertEquals(1, seen.size(), "no chunk is delivered after the consumer failed");
            assertHealthy(pool, pid);
            assertEquals(1L, pool.stats().callsFailed());
        }
    }

    @Test
    void anAssertionErrorInAConsumerFailsAnAsyncCallToo() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            CompletableFuture<Object> f = pool.callAsync(T + "count_up", List.of(3),
                    CallOptions.DEFAULT.withChunkConsumer(c -> {
                        throw new AssertionError("a failed assertion inside a consumer");
                    }));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
            ChunkConsumerException ce = assertInstanceOf(ChunkConsumerException.class, e.getCause());
            assertInstanceOf(AssertionError.class, ce.getCause());
            assertEquals("pong", pool.call("ping"));
        }
    }

    @Test
    void aSlowConsumerHoldsTheGeneratorBackWithoutStallingOtherCalls() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).slots(2).streamWindow(4).build())) {
            String key = UUID.randomUUID().toString();
            List<Object> chunks = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Object> f = pool.callAsync(T + "stream_tracked", List.of(key, 200),
                    CallOptions.DEFAULT.withChunkConsumer(c -> {
                        chunks.add(c);
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            // Another call on the same worker answers while the stream waits for its consumer;
            // it waits up to 1 s for the generator to run 200 items ahead, which it must not.
            long produced = (Long) pool.call(T + "produced", List.of(key, 200, 1.0));
            assertTrue(produced >= 4 && produced <= 5, "4 chunks in the window and the one waiting, got " + produced);
            release.countDown();
            assertNull(f.get(30, TimeUnit.SECONDS));
            List<Object> expected = new ArrayList<>();
            for (long i = 0; i < 200; i++) {
                expected.add(i);
            }
            assertEquals(expected, chunks, "every chunk, in order, once the consumer goes on");
        } finally {
            release.countDown();
        }
    }

    @Test
    void manyChunksFlowThroughASmallWindowInOrder() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).streamWindow(3).build())) {
            for (String fn : List.of("stream_tracked", "stream_tracked_async")) {
                List<Object> chunks = Collections.synchronizedList(new ArrayList<>());
                assertNull(pool.call(T + fn, List.of(UUID.randomUUID().toString(), 3000),
                        CallOptions.timeout(Duration.ofSeconds(30)).withChunkConsumer(chunks::add)));
                assertEquals(3000, chunks.size(), fn);
                for (int i = 0; i < 3000; i++) {
                    assertEquals((long) i, chunks.get(i), fn);
                }
            }
        }
    }
}
