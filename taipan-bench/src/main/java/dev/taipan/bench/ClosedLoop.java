package dev.taipan.bench;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load: {@code callers} threads each make one synchronous call after another
 * for a fixed time; calls in flight at the deadline finish and count. Every call's latency
 * is kept, so percentiles are exact.
 */
final class ClosedLoop {
    /** One call; {@code caller} and {@code n} let a call vary its input. */
    interface Call {
        void run(int caller, long n) throws Exception;
    }

    /** The sorted latencies (ns), and the time from the start to the last call's end. */
    record Result(long[] sortedNanos, long elapsedNanos) {
        int calls() {
            return sortedNanos.length;
        }

        double seconds() {
            return elapsedNanos / 1e9;
        }

        double callsPerSecond() {
            return calls() / seconds();
        }

        /** Nearest-rank percentile, in nanoseconds. */
        double percentile(double p) {
            return Stats.percentile(sortedNanos, p);
        }
    }

    /** A growable array of longs, one per caller thread. */
    private static final class LongList {
        long[] a = new long[1 << 14];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }
    }

    private static final class Flag {
        volatile boolean stop;
    }

    private ClosedLoop() {
    }

    /**
     * Runs the load. {@code atStart} runs just before the callers are released (to take
     * baselines, e.g. CPU counters); a failed call stops the load and is rethrown.
     */
    static Result run(int callers, long millis, String threadName, long joinMillis, Call call, Runnable atStart)
            throws Exception {
        LongList[] latencies = new LongList[callers];
        Thread[] threads = new Thread[callers];
        CountDownLatch ready = new CountDownLatch(callers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] ends = new long[callers];
        Flag flag = new Flag();
        for (int i = 0; i < callers; i++) {
            LongList lat = new LongList();
            latencies[i] = lat;
            int index = i;
            threads[i] = new Thread(() -> {
                ready.countDown();
                long n = 0;
                try {
                    go.await();
                    while (!flag.stop) {
                        long t0 = System.nanoTime();
                        call.run(index, n++);
                        lat.add(System.nanoTime() - t0);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    flag.stop = true;
                } finally {
                    ends[index] = System.nanoTime();
                }
            }, threadName + "-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        ready.await();
        atStart.run();
        long start = System.nanoTime();
        go.countDown();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!flag.stop) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            // The controlling thread only waits out the measured period; callers never sleep.
            Thread.sleep(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(left))));
        }
        flag.stop = true;
        for (Thread t : threads) {
            t.join(joinMillis);
            if (t.isAlive()) {
                throw new IllegalStateException("a caller thread is stuck in a call (" + t.getName() + ")");
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a call failed: " + failure.get(), failure.get());
        }
        long end = Arrays.stream(ends).max().orElse(start);
        int total = 0;
        for (LongList l : latencies) {
            total += l.n;
        }
        long[] all = new long[total];
        int off = 0;
        for (LongList l : latencies) {
            System.arraycopy(l.a, 0, all, off, l.n);
            off += l.n;
        }
        Arrays.sort(all);
        return new Result(all, end - start);
    }
}
