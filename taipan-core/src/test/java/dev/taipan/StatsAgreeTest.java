package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's counters add up with what the callers saw, outcome by outcome. */
@Tag("python")
class StatsAgreeTest {
    private static final String T = "taipan_testing.functions:";

    /** Holds every completion until the test runs it: the caller's view lags the pool's on purpose. */
    private static final class HeldExecutor implements Executor {
        final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll(List<CompletableFuture<Object>> until) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!until.stream().allMatch(CompletableFuture::isDone) && System.nanoTime() < deadline) {
                Runnable r = tasks.poll(100, TimeUnit.MILLISECONDS);
                if (r != null) {
                    r.run();
                }
            }
        }
    }

    private enum Seen { SUCCESS, ERROR, CANCELLED, TIMEOUT }

    private static Seen seen(CompletableFuture<Object> f) throws InterruptedException {
        if (f.isCancelled()) {
            return Seen.CANCELLED;
        }
        try {
            f.get(0, TimeUnit.SECONDS);
            return Seen.SUCCESS;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            return c instanceof CallTimeoutException ? Seen.TIMEOUT
                    : c instanceof CallCancelledException ? Seen.CANCELLED : Seen.ERROR;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("not complete", e);
        }
    }

    @Test
    void countersMatchWhatCallersSawForEveryOutcome() throws Exception {
        HeldExecutor held = new HeldExecutor();
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).callbackExecutor(held).build())) {
            List<CompletableFuture<Object>> all = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                all.add(pool.callAsync(T + "add", List.of(i, 1)));
            }
            for (int i = 0; i < 3; i++) {
                all.add(pool.callAsync(T + "fail", List.of("bad " + i)));
            }
            for (int i = 0; i < 2; i++) {
                all.add(pool.callAsync(T + "async_sleep", List.of(30), CallOptions.timeout(Duration.ofMillis(300))));
            }
            List<CompletableFuture<Object>> toCancel = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                toCancel.add(pool.callAsync(T + "async_sleep", List.of(30)));
            }
            all.addAll(toCancel);
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 2),
                    () -> pool.stats().toString());
            toCancel.forEach(f -> assertTrue(f.cancel(true)));
            assertTrue(TestPools.eventually(Duration.ofSeconds(10),
                    () -> pool.stats().callsCompleted() + pool.stats().callsFailed() == all.size()),
                    () -> pool.stats().toString());
            // Late cancels: the calls are over in the pool, their results not yet delivered.
            List<CompletableFuture<Object>> late = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                late.add(pool.callAsync("ping", null));
            }
            int before = all.size();
            all.addAll(late);
            assertTrue(TestPools.eventually(Duration.ofSeconds(10),
                    () -> pool.stats().callsCompleted() + pool.stats().callsFailed() == before + late.size()),
                    () -> pool.stats().toString());
            late.forEach(f -> assertFalse(f.cancel(true), "too late: the call already succeeded"));
            held.runAll(all);

            long[] count = new long[Seen.values().length];
            for (CompletableFuture<Object> f : all) {
                count[seen(f).ordinal()]++;
            }
            PoolStats s = pool.stats();
            assertEquals(count[Seen.SUCCESS.ordinal()], s.callsCompleted(), s::toString);
            assertEquals(all.size() - count[Seen.SUCCESS.ordinal()], s.callsFailed(), s::toString);
            assertEquals(count[Seen.CANCELLED.ordinal()], s.callsCancelled(), s::toString);
            assertEquals(count[Seen.TIMEOUT.ordinal()], s.callsTimedOut(), s::toString);
            assertEquals(7, count[Seen.SUCCESS.ordinal()], "4 adds and 3 pings");
            assertEquals(3, count[Seen.ERROR.ordinal()]);
            assertEquals(2, count[Seen.TIMEOUT.ordinal()]);
            assertEquals(2, count[Seen.CANCELLED.ordinal()]);
        }
    }

    @Test
    void aSyncCallerSeesWhatTheStatsCount() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            assertEquals(3L, pool.call(T + "add", List.of(1, 2)));
            CallTimeoutException t = org.junit.jupiter.api.Assertions.assertThrows(CallTimeoutException.class,
                    () -> pool.call(T + "async_sleep", List.of(30), CallOptions.timeout(Duration.ofMillis(200))));
            assertNotNull(t.timeout());
            org.junit.jupiter.api.Assertions.assertThrows(PythonException.class, () -> pool.call(T + "fail"));
            PoolStats s = pool.stats();
            assertEquals(1L, s.callsCompleted(), s::toString);
            assertEquals(2L, s.callsFailed(), s::toString);
            assertEquals(1L, s.callsTimedOut(), s::toString);
            assertEquals(0L, s.callsCancelled(), s::toString);
        }
    }
}
