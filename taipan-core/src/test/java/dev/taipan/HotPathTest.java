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
            int calls = 200;
            for (int i = 0; i < calls; i++) {
                assertEquals((long) i, pool.call("echo", List.of(i)));
            }
            // Without the hot path the reader thread completes every call. With it, the reader
            // takes the odd call: one that overlaps its look at the idle socket (every 100 ms),
            // and then, on a loaded machine, possibly a few after it (a reply it read just as
            // the next call came in keeps it reading). How many depends on the scheduler, so
            // the test asks for what no scheduling explains away: most calls are the caller's.
            int mine = completedOn.getOrDefault(me, new AtomicInteger()).get();
            assertTrue(mine > calls / 2, "completed on: " + completedOn);
        }
    }

    @Test
    void aTimeoutEndsACallWhoseCallerWaitsOnTheSocket() {
        try (TaipanPool pool = TaipanPool.start(oneWorker().build())) {
            long t0 = System.nanoTime();
            assertThrows(CallTimeoutException.class,
                    () -> pool.call("sleep", List.of(30), CallOptions.timeout(Duration.ofMillis(300))));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // Far below the 30 s the call would sleep: the timeout, not the reply, ended the wait.
            assertTrue(ms < 15_000, "timed out after " + ms + " ms");
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
            // It holds the read role: the interrupt must reach a caller reading the socket.
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> readsTheSocket(caller)),
                    () -> java.util.Arrays.toString(caller.getStackTrace()));
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

    /** Whether the thread is in the hot path's own read of its worker's socket. */
    private static boolean readsTheSocket(Thread caller) {
        for (StackTraceElement frame : caller.getStackTrace()) {
            if (frame.getClassName().equals("dev.taipan.pool.WorkerReader") && frame.getMethodName().equals("readOwnReply")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void heartbeatsAreAnsweredWhileIdleAndWhileACallerWaitsOnTheSocket() {
        // Short enough that the test spans many intervals; long enough (300 ms of silence, three
        // pings unanswered in a row) that a healthy worker on a loaded machine keeps up.
        Duration interval = Duration.ofMillis(100);
        try (TaipanPool pool = TaipanPool.start(oneWorker().heartbeatInterval(interval).build())) {
            long pid = pool.workers().get(0).pid();
            // 15 intervals with nothing in flight: only the reader thread reads the answers.
            assertTrue(TestPools.throughout(interval.multipliedBy(15), () -> sameReadyWorker(pool, pid)),
                    () -> pool.workers() + " " + pool.stats());
            // 15 intervals with a caller on the socket: it reads them.
            assertEquals(1.5, pool.call("sleep", List.of(1.5)));
            assertEquals(pid, pool.workers().get(0).pid());
            assertEquals(0L, pool.stats().workersReplaced());
        }
    }

    private static boolean sameReadyWorker(TaipanPool pool, long pid) {
        List<WorkerInfo> ws = pool.workers();
        return ws.size() == 1 && ws.get(0).pid() == pid && ws.get(0).state().equals("READY")
                && pool.stats().workersReplaced() == 0;
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
