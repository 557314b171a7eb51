package dev.taipan.bench.chaos;

import dev.taipan.CallOptions;
import dev.taipan.PoolConfig;
import dev.taipan.PoolStats;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scenario 4: steady load (32 in flight of {@code echo} with a 1 KiB string and
 * {@code slow_add}) for a fixed time on 4 workers that are recycled after 5,000 calls and
 * after 2 minutes. Samples JVM RSS, heap used after a GC, the workers' summed RSS, open file
 * descriptors and native threads of the JVM.
 *
 * <p><b>Levels off</b> ({@link Levelling}): the peak of the last third of the samples is at
 * most 10% above the peak of the middle third (file descriptors and threads: at most
 * max(10%, 8) above, as one recycling in progress holds a second worker's pipes and threads
 * for a moment). Heap after GC is the leak figure for Java objects; JVM RSS also includes heap
 * the GC has not given back, which makes it a sawtooth. {@link ChaosSettings#injectLeakMib()}
 * keeps that many MiB of heap per sample, to show the rule fails on a leak.
 */
final class Soak {
    private Soak() {
    }

    record Sample(long atSeconds, long jvmRss, long heapUsed, long workersRss, long fds, long threads, int workers,
                  long completed, long recycled) {
    }

    static ScenarioResult run(ChaosSettings s) throws InterruptedException {
        long t0 = System.nanoTime();
        long seconds = s.soakSeconds();
        long recycleCalls = 5_000;
        Duration recycleAfter = s.quick() ? Duration.ofSeconds(10) : Duration.ofMinutes(2);
        PoolConfig config = PoolConfig.builder().name("chaos-soak").python(s.python())
                .modules("taipan_testing.functions").workers(4).slots(8)
                .callTimeout(Duration.ofSeconds(30)).drainTimeout(Duration.ofSeconds(5))
                .recycleAfterCalls(recycleCalls).recycleAfter(recycleAfter).build();
        List<Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        String payload = "x".repeat(1024);
        List<byte[]> injectedLeak = new ArrayList<>();
        try (TaipanPool pool = TaipanPool.start(config)) {
            Semaphore inFlight = new Semaphore(s.soakInFlight());
            AtomicBoolean running = new AtomicBoolean(true);
            LongAdder ok = new LongAdder();
            LongAdder failed = new LongAdder();
            Map<String, LongAdder> byType = new ConcurrentHashMap<>();
            Thread load = new Thread(() -> {
                long i = 0;
                CallOptions opts = CallOptions.DEFAULT;
                while (running.get()) {
                    try {
                        inFlight.acquire();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long n = i++;
                    try {
                        var f = (n & 1) == 0 ? pool.callAsync("echo", List.of(payload), opts)
                                : pool.callAsync("taipan_testing.functions:slow_add", List.of(n, 1, 0.002), opts);
                        f.whenComplete((v, e) -> {
                            if (e == null) {
                                ok.increment();
                            } else {
                                failed.increment();
                                Throwable c = e.getCause() != null && !(e instanceof TaipanException) ? e.getCause() : e;
                                byType.computeIfAbsent(c.getClass().getSimpleName(), k -> new LongAdder()).increment();
                            }
                            inFlight.release();
                        });
                    } catch (RuntimeException e) {
                        failed.increment();
                        byType.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                        inFlight.release();
                    }
                }
            }, "chaos-soak-load");
            load.setDaemon(true);
            load.start();
            long start = System.nanoTime();
            long step = s.soakSampleSeconds();
            for (long at = 0; ; at += step) {
                long wake = start + TimeUnit.SECONDS.toNanos(at);
                long sleep = wake - System.nanoTime();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
                for (int k = 0; k < s.injectLeakMib(); k++) {
                    injectedLeak.add(touched(new byte[1 << 20]));
                }
                samples.add(sample(pool, mem, at));
                if (at >= seconds) {
                    break;
                }
            }
            running.set(false);
            load.join(5_000);
            inFlight.tryAcquire(s.soakInFlight(), 30, TimeUnit.SECONDS);
            // workersReplaced counts every replacement that became ready, recycling included: the
            // difference is the crashes. Let the last recycling finish before reading it.
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (pool.stats().workersReplaced() != pool.stats().workersRecycled() && System.nanoTime() < settle) {
                Thread.sleep(20);
            }
            PoolStats st = pool.stats();

            // A quick soak (20 s) is shorter than the JVM's warm-up and than startTimeout (60 s), for
            // which the pool keeps each started worker's start timer, hence the Worker: not judged.
            boolean judged = seconds >= 300;
            if (!judged) {
                notes.add("quick mode: the levelling-off rules are reported, not judged (run shorter than 5 min)");
            }
            if (s.injectLeakMib() > 0) {
                notes.add("injected leak: " + s.injectLeakMib() + " MiB of heap kept per sample, "
                        + injectedLeak.size() + " MiB in all");
            }
            figures.add(Figure.info("calls completed", ok.sum()));
            figures.add(Figure.mustBeZero("calls failed", failed.sum()));
            figures.add(Figure.info("workers recycled", st.workersRecycled()));
            figures.add(Figure.mustBeZero("workers replaced after a crash", st.workersReplaced()));
            figures.add(level(judged, "JVM RSS", series(samples, Sample::jvmRss), true, 0));
            figures.add(level(judged, "JVM heap used after GC", series(samples, Sample::heapUsed), true, 0));
            figures.add(level(judged, "workers' RSS (sum)", series(samples, Sample::workersRss), true, 0));
            figures.add(level(judged, "JVM open file descriptors", series(samples, Sample::fds), false, 8));
            figures.add(level(judged, "JVM native threads", series(samples, Sample::threads), false, 8));
            if (!byType.isEmpty()) {
                notes.add("failed calls by type: " + byType);
            }
            StringBuilder table = new StringBuilder("samples (s: jvmRss heapAfterGc workersRss fds threads workers "
                    + "completed recycled):");
            for (Sample x : samples) {
                table.append(String.format(Locale.ROOT, "%n  %4d s: %s %s %s %d %d %d %d %d", x.atSeconds,
                        Procs.mib(x.jvmRss), Procs.mib(x.heapUsed), Procs.mib(x.workersRss), x.fds, x.threads,
                        x.workers, x.completed, x.recycled));
            }
            notes.add(table.toString());
        }
        String settings = String.format(Locale.ROOT, "%d s at %d in flight (echo 1 KiB / slow_add 2 ms), "
                + "4 workers x 8 slots, recycleAfterCalls(%d), recycleAfter(%s), sampled every %d s; levels off = "
                + "peak of the last third <= 1.10 x peak of the middle third (fds, threads: + max(10%%, 8))%s",
                seconds, s.soakInFlight(), recycleCalls, recycleAfter, s.soakSampleSeconds(),
                s.injectLeakMib() > 0 ? "; injected leak " + s.injectLeakMib() + " MiB per sample" : "");
        return new ScenarioResult(4, "Soak", settings, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                figures, notes);
    }

    private static Sample sample(TaipanPool pool, MemoryMXBean mem, long at) {
        System.gc();
        long heap = mem.getHeapMemoryUsage().getUsed();
        long workersRss = 0;
        List<WorkerInfo> ws = pool.workers();
        for (WorkerInfo w : ws) {
            if (w.pid() > 0) {
                long r = Procs.rssBytes(w.pid());
                if (r > 0) {
                    workersRss += r;
                }
            }
        }
        PoolStats st = pool.stats();
        return new Sample(at, Procs.selfRssBytes(), heap, workersRss, Procs.selfOpenFds(), Procs.selfThreads(),
                ws.size(), st.callsCompleted(), st.workersRecycled());
    }

    private static long[] series(List<Sample> samples, java.util.function.ToLongFunction<Sample> f) {
        return samples.stream().mapToLong(f).toArray();
    }

    /** Writes one byte per page, so the injected leak is resident, not only reserved. */
    private static byte[] touched(byte[] b) {
        for (int i = 0; i < b.length; i += 4096) {
            b[i] = 1;
        }
        return b;
    }

    static Figure level(boolean judged, String name, long[] series, boolean bytes, long slack) {
        long start = series[0];
        long end = series[series.length - 1];
        if (series.length < Levelling.MIN_SAMPLES) {
            return Figure.info(name, "start " + show(start, bytes) + ", end " + show(end, bytes)
                    + " (not judged: fewer than " + Levelling.MIN_SAMPLES + " samples)");
        }
        Levelling l = Levelling.of(series, slack);
        String v = "start " + show(start, bytes) + ", end " + show(end, bytes) + "; peaks of each third "
                + show(l.firstPeak(), bytes) + " / " + show(l.middlePeak(), bytes) + " / " + show(l.lastPeak(), bytes);
        String rule = "levels off (last third's peak <= " + show(l.allowed(), bytes) + ")";
        return judged ? Figure.rule(name, v, rule, l.levelsOff()) : Figure.info(name, v + " (not judged: run too short)");
    }

    private static String show(long v, boolean bytes) {
        return bytes ? Procs.mib(v) : Long.toString(v);
    }
}
