package dev.taipan.bench.chaos;

import dev.taipan.CallOptions;
import dev.taipan.PoolConfig;
import dev.taipan.PoolHealth;
import dev.taipan.PoolStats;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scenario 1: N calls of {@code taipan_testing.functions:slow_add} at 64 in flight on 4 workers,
 * half of them idempotent, while a random READY worker is SIGKILLed every 250 ms.
 *
 * <p>A call is <i>hung</i> if its future is not done {@link #GRACE} after its own timeout
 * (all calls are submitted before that bound is checked); it is <i>lost</i> if its future
 * completed with neither the right result nor a {@link TaipanException}.
 */
final class LoadWithKills {
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    static final Duration GRACE = Duration.ofSeconds(15);
    static final Duration HEAL = Duration.ofSeconds(60);

    private LoadWithKills() {
    }

    static ScenarioResult run(ChaosSettings s) throws InterruptedException {
        long t0 = System.nanoTime();
        int n = s.loadCalls();
        PoolConfig config = PoolConfig.builder().name("chaos-load").python(s.python())
                .modules("taipan_testing.functions").workers(s.loadWorkers()).slots(16)
                .callTimeout(CALL_TIMEOUT).acquireTimeout(CALL_TIMEOUT).maxWaiting(4096)
                .drainTimeout(Duration.ofSeconds(2)).killTimeout(Duration.ofSeconds(2))
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(500)).build();
        List<Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (TaipanPool pool = TaipanPool.start(config)) {
            @SuppressWarnings("unchecked")
            CompletableFuture<Object>[] futures = new CompletableFuture[n];
            long[] submittedAt = new long[n];
            LongAdder ok = new LongAdder();
            LongAdder okIdem = new LongAdder();
            LongAdder failedTyped = new LongAdder();
            LongAdder failedIdem = new LongAdder();
            LongAdder lost = new LongAdder();
            Map<String, LongAdder> byType = new ConcurrentHashMap<>();
            Map<String, LongAdder> idemFailByType = new ConcurrentHashMap<>();
            Semaphore inFlight = new Semaphore(s.loadInFlight());
            AtomicBoolean loadRunning = new AtomicBoolean(true);
            AtomicLong kills = new AtomicLong();
            AtomicLong skippedTicks = new AtomicLong();
            AtomicLong lastKillNanos = new AtomicLong(System.nanoTime());

            Thread killer = new Thread(() -> {
                while (loadRunning.get()) {
                    try {
                        Thread.sleep(s.killEveryMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (!loadRunning.get()) {
                        return;
                    }
                    List<WorkerInfo> ready = pool.workers().stream()
                            .filter(w -> w.pid() > 0 && "READY".equals(w.state())).toList();
                    if (ready.isEmpty()) {
                        skippedTicks.incrementAndGet();
                        continue;
                    }
                    WorkerInfo victim = ready.get(ThreadLocalRandom.current().nextInt(ready.size()));
                    if (Procs.sigkill(victim.pid())) {
                        kills.incrementAndGet();
                        lastKillNanos.set(System.nanoTime());
                    }
                }
            }, "chaos-killer");
            killer.setDaemon(true);

            long loadStart = System.nanoTime();
            killer.start();
            CallOptions plain = CallOptions.timeout(CALL_TIMEOUT);
            CallOptions idem = plain.withIdempotent(true);
            double secs = s.loadCallSeconds();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                boolean idempotent = (i & 1) == 1;
                final long expected = i + 1L;
                submittedAt[i] = System.nanoTime();
                CompletableFuture<Object> f;
                try {
                    f = pool.callAsync("taipan_testing.functions:slow_add", List.of(i, 1, secs), idempotent ? idem : plain);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                futures[i] = f;
                f.whenComplete((v, e) -> {
                    try {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                ? e.getCause() : e;
                        if (cause == null) {
                            if (v instanceof Long l && l == expected) {
                                ok.increment();
                                if (idempotent) {
                                    okIdem.increment();
                                }
                            } else {
                                lost.increment(); // completed, but with a wrong value
                            }
                        } else if (cause instanceof TaipanException) {
                            failedTyped.increment();
                            byType.computeIfAbsent(cause.getClass().getSimpleName(), k -> new LongAdder()).increment();
                            if (idempotent) {
                                failedIdem.increment();
                                idemFailByType.computeIfAbsent(cause.getClass().getSimpleName(), k -> new LongAdder())
                                        .increment();
                            }
                        } else {
                            lost.increment(); // completed with an untyped error
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
            // Every call was submitted: wait for the last ones within their timeout + grace.
            long bound = submittedAt[n - 1] + CALL_TIMEOUT.plus(GRACE).toNanos();
            for (CompletableFuture<Object> f : futures) {
                long left = bound - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    f.get(left, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    break;
                } catch (java.util.concurrent.ExecutionException e) {
                    // counted by whenComplete
                }
            }
            long loadNanos = System.nanoTime() - loadStart;
            loadRunning.set(false);
            killer.interrupt();
            killer.join(5_000);
            long hung = 0;
            for (CompletableFuture<Object> f : futures) {
                if (!f.isDone()) {
                    hung++;
                }
            }
            // whenComplete may still be running for the last futures: let the counters settle.
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ok.sum() + failedTyped.sum() + lost.sum() + hung < n && System.nanoTime() < settle) {
                Thread.sleep(10);
            }
            long unaccounted = n - (ok.sum() + failedTyped.sum() + lost.sum() + hung);

            // Time back to full size after the last kill.
            long healDeadline = System.nanoTime() + HEAL.toNanos();
            while (!fullSize(pool) && System.nanoTime() < healDeadline) {
                Thread.sleep(5);
            }
            boolean healed = fullSize(pool);
            long healMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastKillNanos.get());
            PoolStats st = pool.stats();

            int idemTotal = n / 2;
            figures.add(Figure.info("calls", n));
            figures.add(Figure.info("SIGKILLs sent", kills.get()));
            figures.add(Figure.info("calls succeeded", ok.sum()));
            figures.add(Figure.info("calls failed with a typed error", failedTyped.sum()
                    + (byType.isEmpty() ? "" : " " + counts(byType))));
            figures.add(Figure.mustBeZero("calls hung (not done " + GRACE.toSeconds() + " s after their timeout)",
                    hung));
            figures.add(Figure.mustBeZero("calls lost (wrong result, untyped error or never accounted for)",
                    lost.sum() + unaccounted));
            figures.add(Figure.mustBeAll("idempotent calls that succeeded", okIdem.sum(), idemTotal));
            figures.add(Figure.info("non-idempotent calls that failed typed", failedTyped.sum() - failedIdem.sum()));
            figures.add(Figure.info("retries made by the pool (stats.callsRetried)", st.callsRetried()));
            figures.add(Figure.info("workers replaced (stats.workersReplaced)", st.workersReplaced()));
            figures.add(Figure.rule("time to full size after the last kill",
                    healed ? healMillis + " ms" : "not healed in " + HEAL.toSeconds() + " s",
                    "healed within " + HEAL.toSeconds() + " s", healed));
            figures.add(Figure.info("throughput under kills",
                    String.format(Locale.ROOT, "%.0f calls/s", n / (loadNanos / 1e9))));
            if (!idemFailByType.isEmpty()) {
                notes.add("idempotent calls that failed: " + counts(idemFailByType));
            }
            if (skippedTicks.get() > 0) {
                notes.add(skippedTicks.get() + " kill ticks found no READY worker and killed nothing");
            }
            String settings = String.format(Locale.ROOT,
                    "%d calls of slow_add (%.0f ms) at %d in flight, %d workers x 16 slots, half idempotent, "
                            + "call timeout %d s, SIGKILL of a random READY worker every %d ms",
                    n, secs * 1000, s.loadInFlight(), s.loadWorkers(), CALL_TIMEOUT.toSeconds(), s.killEveryMillis());
            return new ScenarioResult(1, "Load with kills", settings,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), figures, notes);
        }
    }

    static boolean fullSize(TaipanPool pool) {
        return pool.health().status() == PoolHealth.Status.HEALTHY && pool.stats().ready() == pool.config().workers();
    }

    static String counts(Map<String, LongAdder> m) {
        Map<String, Long> sorted = new TreeMap<>();
        m.forEach((k, v) -> sorted.put(k, v.sum()));
        return sorted.toString();
    }
}
