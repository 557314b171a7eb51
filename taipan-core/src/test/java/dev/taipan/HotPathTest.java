package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's hot path: a lone synchronous caller reads its own reply from the socket (no
 * hand-off from the reader thread), and everything that must still work when it does:
 * timeouts and interrupts while it waits on the socket, heartbeats while the pool is idle,
 * many sync and async callers at once.
 */
@Tag("python")
class HotPathTest {
    private static PoolConfig.Builder oneWorker() {
        return TestPools.config().workers(1).slots(16);
    }

    @Test
    void aLoneSyncCallerReadsItsOwnReply() {
        Map<String, AtomicInteger> completedOn = new ConcurrentHashMap<>();
        PoolListener listener = new PoolListener() {
            @Override
            public void callCompleted(String function, String workerId, Duration duration, Outcome outcome) {
                completedOn.computeIfAbsent(Thread.currentThread().getName(), k -> new AtomicInteger()).incrementAndGet();
            }
        };
        try (TaipanPool pool = TaipanPool.start(oneWorker().listener(listener).build())) {
            String me = Thread.currentThread().getName();
            for (int i = 0; i < 200; i++) {
                assertEquals((long) i, pool.call("echo", List.of(i)));
            }
            // The reader thread may hold the socket for a moment while it looks at it when
            // idle; nearly every call is completed by its own caller.
            int mine = completedOn.getOrDefault(me, new AtomicInteger()).get();
            assertTrue(mine >= 180, "completed on: " + completedOn);
        }
    }

    @Test
    void aTimeoutEndsACallWhoseCallerWaitsOnTheSocket() {
        try (TaipanPool pool = TaipanPool.start(oneWorker().build())) {
            long t0 = System.nanoTime();
            assertThrows(CallTimeoutException.class,
                    () -> pool.call("sleep", List.of(30), CallOptions.timeout(Duration.ofMillis(300))));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms < 3_000, "timed out after " + ms + " ms");
            assertEquals("pong", pool.call("ping"));
            assertEquals(0L, pool.stats().workersReplaced());
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> pool.stats().inFlight() == 0));
        }
    }

    @Test
    void interruptingACallerThatWaitsOnTheSocketCancelsOnlyItsCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneWorker().build())) {
            long pid = pool.workers().get(0).pid();
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    pool.call("sleep", List.of(30));
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            caller.start();
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
            Thread.sleep(100); // let it settle into waiting on the socket
            caller.interrupt();
            assertTrue(outcome.get(10, TimeUnit.SECONDS) instanceof CallCancelledException,
                    String.valueOf(outcome.getNow(null)));
            caller.join();
            // The socket is intact: same worker, still answering, the cancelled call freed its slot.
            assertEquals("pong", pool.call("ping"));
            assertEquals(pid, pool.workers().get(0).pid());
            assertEquals(0L, pool.stats().workersReplaced());
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> pool.stats().inFlight() == 0));
        }
    }

    @Test
    void heartbeatsAreAnsweredWhileIdleAndWhileACallerWaitsOnTheSocket() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneWorker().heartbeatInterval(Duration.ofMillis(30)).build())) {
            long pid = pool.workers().get(0).pid();
            Thread.sleep(600); // 20 intervals with nothing in flight: only heartbeats to read
            assertEquals(0.5, pool.call("sleep", List.of(0.5))); // 16 intervals with a caller on the socket
            assertEquals(pid, pool.workers().get(0).pid());
            assertEquals(0L, pool.stats().workersReplaced());
        }
    }

    @Test
    void manySyncAndAsyncCallersAllGetTheirOwnResults() throws Exception {
        try (TaipanPool pool = TaipanPool.start(oneWorker().build())) {
            int threads = 12;
            int calls = 250;
            ExecutorService callers = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(callers.submit(() -> {
                        go.await();
                        for (int i = 0; i < calls; i++) {
                            long v = thread * 1_000_000L + i;
                            if (thread % 3 == 0) {
                                // async, a few in flight at once
                                List<CompletableFuture<Object>> fs = new ArrayList<>();
                                for (int k = 0; k < 4; k++) {
                                    fs.add(pool.callAsync("echo", List.of(v * 10 + k)));
                                }
                                for (int k = 0; k < 4; k++) {
                                    assertEquals(v * 10 + k, fs.get(k).get(30, TimeUnit.SECONDS));
                                }
                            } else if (thread % 3 == 1) {
                                assertEquals(v, pool.call("echo", List.of(v)));
                            } else {
                                assertEquals(v + 1, pool.call("taipan_testing.functions:add", List.of(v, 1)));
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                callers.shutdownNow();
            }
            assertEquals(0L, pool.stats().workersReplaced());
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> pool.stats().inFlight() == 0));
        }
    }
}
