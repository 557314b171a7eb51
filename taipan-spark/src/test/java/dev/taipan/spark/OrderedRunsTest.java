package dev.taipan.spark;

import dev.taipan.WorkerLostException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The partition iterator on its own, with runs the test completes: order, the window, retries. */
class OrderedRunsTest {
    private static List<Row> rows(int n) {
        List<Row> rows = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            rows.add(RowFactory.create(i));
        }
        return rows;
    }

    private static OrderedRuns runs(List<Row> in, RowRun.Starter starter, int maxInFlight, int maxRetries,
                                    boolean failOnError) {
        return new OrderedRuns(in.iterator(), starter, new TaipanSparkPools.Entry(null), new String[]{"x"},
                new int[]{0}, 1, true, failOnError, maxInFlight, maxRetries);
    }

    @Test
    void rowsComeOutInTheirOrderWhateverOrderTheRunsEndIn() {
        Map<Long, CompletableFuture<Object[]>> started = new ConcurrentHashMap<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        RowRun.Starter starter = in -> {
            long x = (Long) in.get("x");
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<Object[]> f = new CompletableFuture<>();
            started.put(x, f);
            return f.whenComplete((v, e) -> inFlight.decrementAndGet());
        };
        OrderedRuns it = runs(rows(20), starter, 5, 0, false);
        List<Long> out = new ArrayList<>();
        while (it.hasNext()) {
            // Before each row is taken, the started runs end newest first.
            List<Long> open = new ArrayList<>();
            started.forEach((k, f) -> {
                if (!f.isDone()) {
                    open.add(k);
                }
            });
            open.sort(Collections.reverseOrder());
            for (long k : open) {
                started.get(k).complete(new Object[]{"r" + k});
            }
            Row r = it.next();
            assertEquals("r" + r.getLong(0), r.getString(1));
            assertNull(r.get(2));
            out.add(r.getLong(0));
        }
        assertEquals(java.util.stream.LongStream.range(0, 20).boxed().toList(), out);
        assertEquals(5, most.get(), "at most maxInFlight runs at once, and the window kept full");
    }

    @Test
    void aRunWhoseWorkerWasLostIsStartedAgainAndAFailedRowCarriesItsError() {
        List<Long> attempts = new CopyOnWriteArrayList<>();
        RowRun.Starter starter = in -> {
            long x = (Long) in.get("x");
            attempts.add(x);
            long tries = attempts.stream().filter(a -> a == x).count();
            if (x == 2 && tries < 3) {
                return CompletableFuture.failedFuture(new WorkerLostException("worker 1 died", "w1", null, 9, null, null));
            }
            if (x == 4) {
                return CompletableFuture.failedFuture(new IllegalStateException("bad input"));
            }
            return CompletableFuture.completedFuture(new Object[]{x * 10});
        };
        OrderedRuns it = runs(rows(6), starter, 3, 3, false);
        List<Row> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        assertEquals(6, out.size());
        assertEquals(20L, out.get(2).get(1));
        assertNull(out.get(2).get(2));
        assertEquals(3, attempts.stream().filter(a -> a == 2).count());
        assertNull(out.get(4).get(1));
        assertEquals("IllegalStateException: bad input", out.get(4).get(2));
        assertEquals(1, attempts.stream().filter(a -> a == 4).count(), "only a lost worker's run is retried");
    }

    @Test
    void withFailOnErrorTheFirstFailedRowEndsThePartitionAndCancelsTheRest() {
        List<CompletableFuture<Object[]>> pending = new CopyOnWriteArrayList<>();
        RowRun.Starter starter = in -> {
            long x = (Long) in.get("x");
            if (x == 0) {
                return CompletableFuture.failedFuture(new IllegalStateException("bad input"));
            }
            CompletableFuture<Object[]> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        };
        OrderedRuns it = runs(rows(10), starter, 4, 0, true);
        assertTrue(it.hasNext());
        TaipanSparkException e = assertThrows(TaipanSparkException.class, it::next);
        assertTrue(e.getMessage().startsWith("row 0 of the partition failed: IllegalStateException: bad input"),
                e.getMessage());
        assertEquals(3, pending.size());
        pending.forEach(f -> assertTrue(f.isCancelled()));
        assertFalse(it.hasNext());
    }
}
