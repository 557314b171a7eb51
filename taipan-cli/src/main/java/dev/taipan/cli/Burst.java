package dev.taipan.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The demos' load: tasks 0..n-1 on a fixed number of threads, with a progress line while they
 * run and a hook called once, on the calling thread, when half of them are done (the demos kill
 * a worker there, so that the kill lands in the middle of the load, with calls in flight).
 */
final class Burst {
    private final int tasks;
    private final int threads;
    private final String threadName;
    private final AtomicInteger done = new AtomicInteger();

    /** How a demo words its progress; {@link #bar} gives the common start. */
    interface Progress {
        String line(int done, double elapsedSeconds);
    }

    Burst(int tasks, int threads, String threadName) {
        this.tasks = tasks;
        this.threads = threads;
        this.threadName = threadName;
    }

    /** Tasks finished so far. */
    int done() {
        return done.get();
    }

    /**
     * Runs every task and returns what {@code atHalfway} returned, or null if half the tasks were
     * not done within {@code halfwayWait}. The progress line is redrawn every 100 ms on a
     * terminal, every {@code plainTick} otherwise (a log should not get 10 lines a second).
     */
    <T> T run(IntConsumer task, Supplier<T> atHalfway, Duration halfwayWait, Console console, Duration plainTick,
              Progress progress) {
        CountDownLatch halfway = new CountDownLatch(1);
        ExecutorService workers = Executors.newFixedThreadPool(threads, daemon(threadName));
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("demo-progress"));
        long started = System.nanoTime();
        Runnable tick = () -> console.progress(progress.line(done.get(), secondsSince(started)), false);
        ticker.scheduleAtFixedRate(tick, 0, console.interactive() ? 100 : plainTick.toMillis(), TimeUnit.MILLISECONDS);
        List<Future<?>> futures = new ArrayList<>(tasks);
        T result = null;
        try {
            for (int i = 0; i < tasks; i++) {
                int n = i;
                futures.add(workers.submit(() -> {
                    task.accept(n);
                    if (done.incrementAndGet() == tasks / 2) {
                        halfway.countDown();
                    }
                }));
            }
            if (halfway.await(halfwayWait.toMillis(), TimeUnit.MILLISECONDS)) {
                result = atHalfway.get();
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a " + threadName + " thread failed", e.getCause());
        } finally {
            ticker.shutdownNow();
            workers.shutdownNow();
            try {
                // so that no late tick redraws the line after the final one below
                ticker.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        console.progress(progress.line(done.get(), secondsSince(started)), true);
        return result;
    }

    /** {@code [=====>      ] done/total}, 24 characters of bar. */
    static String bar(int done, int total) {
        int width = 24;
        int filled = (int) ((long) done * width / total);
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        return "[" + bar + "] " + done + "/" + total;
    }

    // Daemon threads: a stuck call must not keep the JVM alive after the demo has reported.
    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
