package dev.taipan.bench;

import dev.taipan.CallOptions;
import dev.taipan.PoolConfig;
import dev.taipan.PoolListener;
import dev.taipan.PoolUnavailableException;
import dev.taipan.StartMode;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import dev.taipan.WorkerLostException;
import dev.taipan.bench.StartModes.Mode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * {@code taipan bench recovery}: the time from a worker's death to its replacement serving
 * calls, zygote vs. spawn, with a heavy module imported ({@code taipan_worker.dspy} by default).
 *
 * <p><b>Pools:</b> two pools of <b>one</b> worker each, started once, side by side, one in
 * {@link StartMode#ZYGOTE}, one in {@link StartMode#SPAWN}; {@code restartBackoff} 10 ms
 * (max 100 ms). The pool replaces a worker that died after being ready at once (the backoff
 * only delays the restart of workers that failed to start), so the figure is the pool's
 * notice-and-restart path, not a configured wait.
 *
 * <p><b>One kill:</b> the worker's pid comes from the built-in {@code info}; then
 * {@code t0 = System.nanoTime()} and {@code ProcessHandle.destroyForcibly()} (SIGKILL) on that
 * pid; then the caller loops on {@code pool.call("info")}: a call that reached the dying
 * worker fails with a {@code WorkerLostException} and is made again at once; once the pool
 * knows the worker is dead, the call waits in the pool's queue until a worker is ready. The
 * time is {@code t0} to the return of the first call answered by a process whose pid differs
 * from the killed one. A {@link PoolListener} also timestamps the pool's events, which splits
 * the time into: death noticed and post-mortem done ({@code workerExited}), replacement
 * started and ready ({@code workerReady}), first call answered.
 *
 * <p><b>Method:</b> one untimed call per pool, then {@code kills} kills per pool, alternating
 * the pools (zygote, spawn / spawn, zygote / ...), 500 ms of quiet before each kill; median and
 * p90 (nearest rank) per pool. {@code TAIPAN_BENCH_QUICK=1}: 3 kills per pool instead of 10.
 */
public final class RecoveryBenchmark {
    static final int DEFAULT_KILLS = 10;
    static final int QUICK_KILLS = 3;
    static final double TARGET_ZYGOTE_MS = 100;
    static final double TARGET_SPEEDUP = 10;
    static final Duration BACKOFF = Duration.ofMillis(10);
    static final Duration MAX_BACKOFF = Duration.ofMillis(100);
    /** A kill whose replacement does not answer within this is a failed run. */
    static final Duration RECOVERY_LIMIT = Duration.ofMinutes(5);
    static final long PAUSE_MILLIS = 500;

    private RecoveryBenchmark() {
    }

    record Settings(int kills, boolean quick, String module) {
        static Settings of(boolean quick, Integer kills, String module) {
            int k = kills != null && kills > 0 ? kills : quick ? QUICK_KILLS : DEFAULT_KILLS;
            return new Settings(k, quick, module == null || module.isBlank() ? StartModes.DEFAULT_MODULE : module);
        }
    }

    /**
     * Runs the benchmark and prints its report to {@code out} (JSON when {@code json}); writes
     * {@code recovery.png} into {@code plotDir} unless it is null. {@code kills} null or 0: 10
     * per pool (3 with {@code quick} or {@code TAIPAN_BENCH_QUICK=1}). Progress goes to stderr.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, Path plotDir, boolean quick, Integer kills, String module,
                          PrintStream out) {
        if (!BenchReports.canRun("recovery", python, out)) {
            return 1;
        }
        Settings settings = Settings.of(BenchReports.quick(quick), kills, module);
        return BenchReports.runAndPrint("recovery", () -> new Runner(python, settings, System.err).run(), json,
                plotDir, out);
    }

    // ------------------------------------------------------------------ measuring

    /** Timestamps ({@code System.nanoTime()}) of the pool's events after a kill; 0 = not yet. */
    static final class Clock implements PoolListener {
        volatile long exited;
        volatile long ready;

        void reset() {
            exited = 0;
            ready = 0;
        }

        @Override
        public void workerExited(String workerId, Integer exitCode, String reason) {
            if (exited == 0) {
                exited = System.nanoTime();
            }
        }

        @Override
        public void workerReady(WorkerInfo worker, Duration startTime) {
            if (ready == 0) {
                ready = System.nanoTime();
            }
        }
    }

    /** The pool of one worker a recovery is measured on. */
    static PoolConfig.Builder config(String name, String python, String module, StartMode mode, Clock clock) {
        return StartModes.config(name, python, module, 1, mode)
                .restartBackoff(BACKOFF, MAX_BACKOFF)
                .listener(clock);
    }

    /**
     * One kill and recovery.
     *
     * @param ms          kill to the first call answered by the replacement, in ms
     * @param exitedMs    kill to the pool's {@code workerExited} (death noticed, post-mortem done), or NaN
     * @param readyMs     kill to the replacement's {@code workerReady}, or NaN
     * @param failedCalls calls that reached the dying worker and failed with a {@code WorkerLostException}
     * @param forked      whether the replacement was forked by a zygote
     */
    record Kill(double ms, double exitedMs, double readyMs, long oldPid, long newPid, int failedCalls, boolean forked) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ms", OverheadBenchmark.round3(ms));
            m.put("worker_exited_ms", nullIfNaN(exitedMs));
            m.put("worker_ready_ms", nullIfNaN(readyMs));
            m.put("killed_pid", oldPid);
            m.put("new_pid", newPid);
            m.put("calls_lost_with_the_worker", failedCalls);
            m.put("forked", forked);
            return m;
        }
    }

    static Object nullIfNaN(double v) {
        return Double.isNaN(v) ? null : OverheadBenchmark.round3(v);
    }

    static long infoPid(TaipanPool pool) {
        Map<?, ?> info = (Map<?, ?>) pool.call("info");
        return ((Number) info.get("pid")).longValue();
    }

    /**
     * SIGKILLs the pool's (only) worker and measures until a call is answered by its replacement;
     * {@code clock} must be the pool's listener.
     */
    static Kill killAndRecover(TaipanPool pool, Clock clock, Duration limit) {
        long oldPid = infoPid(pool);
        ProcessHandle victim = ProcessHandle.of(oldPid)
                .orElseThrow(() -> new IllegalStateException("worker pid " + oldPid + " is not running"));
        clock.reset();
        long deadline = System.nanoTime() + limit.toNanos();
        long t0 = System.nanoTime();
        victim.destroyForcibly();
        int failed = 0;
        CallOptions options = CallOptions.timeout(limit);
        while (true) {
            try {
                Map<?, ?> info = (Map<?, ?>) pool.call("info", null, options);
                long pid = ((Number) info.get("pid")).longValue();
                if (pid != oldPid) {
                    long t1 = System.nanoTime();
                    long exited = clock.exited;
                    long ready = clock.ready;
                    return new Kill((t1 - t0) / 1e6, exited == 0 ? Double.NaN : (exited - t0) / 1e6,
                            ready == 0 ? Double.NaN : (ready - t0) / 1e6, oldPid, pid, failed,
                            StartModes.forked(pid));
                }
                // An answer from the killed pid cannot happen after SIGKILL; try again if it does.
            } catch (WorkerLostException e) {
                failed++; // the call reached the dying worker: the pool fails it, we call again
            } catch (PoolUnavailableException e) {
                StartModes.sleep(1); // no worker could start (circuit open): keep trying until the limit
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no call was answered by a new worker within " + limit);
            }
        }
    }

    // ------------------------------------------------------------------ the run

    /** One pool's kills: median and p90 of each figure. */
    record Summary(List<Kill> kills) {
        double median(ToDoubleFunction<Kill> f) {
            return Stats.median(values(f));
        }

        double p90(ToDoubleFunction<Kill> f) {
            return Stats.percentile(values(f), 0.90);
        }

        private List<Double> values(ToDoubleFunction<Kill> f) {
            return kills.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).boxed().toList();
        }

        boolean allForked() {
            return kills.stream().allMatch(Kill::forked);
        }

        boolean noneForked() {
            return kills.stream().noneMatch(Kill::forked);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median_ms", OverheadBenchmark.round3(median(Kill::ms)));
            m.put("p90_ms", OverheadBenchmark.round3(p90(Kill::ms)));
            m.put("min_ms", OverheadBenchmark.round3(kills.stream().mapToDouble(Kill::ms).min().orElse(Double.NaN)));
            m.put("max_ms", OverheadBenchmark.round3(kills.stream().mapToDouble(Kill::ms).max().orElse(Double.NaN)));
            m.put("median_worker_exited_ms", nullIfNaN(median(Kill::exitedMs)));
            m.put("median_worker_ready_ms", nullIfNaN(median(Kill::readyMs)));
            m.put("kills", kills.stream().map(Kill::toJson).toList());
            return m;
        }
    }

    record Runner(String python, Settings settings, PrintStream progress) {

        Report run() {
            long t0 = System.nanoTime();
            double load0 = StartModes.loadAverage();
            Map<Mode, TaipanPool> pools = new EnumMap<>(Mode.class);
            Map<Mode, Clock> clocks = new EnumMap<>(Mode.class);
            try {
                for (Mode mode : Mode.values()) {
                    progress.printf(Locale.ROOT, "starting the %s pool (1 worker, %s)...%n", mode.key, settings.module);
                    Clock clock = new Clock();
                    clocks.put(mode, clock);
                    pools.put(mode, TaipanPool.start(config("bench-recovery-" + mode.key, python, settings.module,
                            mode.startMode, clock).build()));
                    infoPid(pools.get(mode)); // untimed first call
                }
                Map<Mode, List<Kill>> kills = new EnumMap<>(Mode.class);
                for (Mode mode : Mode.values()) {
                    kills.put(mode, new ArrayList<>());
                }
                for (int k = 0; k < settings.kills; k++) {
                    // Alternate which pool goes first: zygote, spawn / spawn, zygote / ...
                    List<Mode> order = Mode.order(k);
                    for (Mode mode : order) {
                        StartModes.sleep(PAUSE_MILLIS);
                        Kill kill = killAndRecover(pools.get(mode), clocks.get(mode), RECOVERY_LIMIT);
                        kills.get(mode).add(kill);
                        progress.printf(Locale.ROOT,
                                "kill %d/%d  %-6s %9.1f ms  (exited +%.1f ms, ready +%.1f ms, %d call%s lost,"
                                        + " pid %d -> %d, %s)  load %.1f%n",
                                k + 1, settings.kills, mode.key, kill.ms, kill.exitedMs, kill.readyMs, kill.failedCalls,
                                kill.failedCalls == 1 ? "" : "s", kill.oldPid, kill.newPid,
                                kill.forked ? "forked" : "spawned", StartModes.loadAverage());
                    }
                }
                Map<Mode, Summary> summaries = new EnumMap<>(Mode.class);
                kills.forEach((mode, list) -> summaries.put(mode, new Summary(List.copyOf(list))));
                String pythonVersion = StartModes.pythonVersion(pools.get(Mode.SPAWN));
                return new Report(Machine.describe(pythonVersion), settings, summaries, load0,
                        StartModes.loadAverage(), (System.nanoTime() - t0) / 1e9);
            } finally {
                StartModes.closeAndAwait(new ArrayList<>(pools.values()));
            }
        }
    }

    // ------------------------------------------------------------------ the report

    record Report(Machine machine, Settings settings, Map<Mode, Summary> modes, double loadStart,
                  double loadEnd, double totalSeconds) implements BenchReports.Report {
        double zygoteMedian() {
            return modes.get(Mode.ZYGOTE).median(Kill::ms);
        }

        /** Spawn's median ÷ zygote's. */
        double speedup() {
            return modes.get(Mode.SPAWN).median(Kill::ms) / zygoteMedian();
        }

        boolean targetMet() {
            return zygoteMedian() < TARGET_ZYGOTE_MS && speedup() >= TARGET_SPEEDUP;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", "recovery");
            m.put("machine", machine.toJson());
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("module", settings.module);
            setup.put("pools", "two pools of 1 worker, started once side by side: StartMode.ZYGOTE and StartMode.SPAWN;"
                    + " restartBackoff " + BACKOFF.toMillis() + " ms (max " + MAX_BACKOFF.toMillis() + " ms), which"
                    + " does not delay replacing a worker that was ready");
            setup.put("timed", "from just before ProcessHandle.destroyForcibly() (SIGKILL) of the worker's pid to the"
                    + " return of the first pool.call(\"info\") answered by a different pid; calls that reached the"
                    + " dying worker are made again at once");
            setup.put("phases", "worker_exited_ms / worker_ready_ms: kill to the pool's workerExited (death noticed,"
                    + " post-mortem done) and to the replacement's workerReady (PoolListener)");
            setup.put("kills_per_pool", settings.kills);
            setup.put("order", "alternating: zygote, spawn / spawn, zygote / ...; " + PAUSE_MILLIS
                    + " ms pause before each kill");
            setup.put("quick", settings.quick);
            m.put("setup", setup);
            for (Mode mode : Mode.values()) {
                m.put(mode.key, modes.get(mode).toJson());
            }
            m.put("spawn_over_zygote_median", OverheadBenchmark.round3(speedup()));
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("what", "zygote median < " + (int) TARGET_ZYGOTE_MS + " ms and spawn median >= "
                    + (int) TARGET_SPEEDUP + "x zygote median");
            target.put("zygote_median_ms", OverheadBenchmark.round3(zygoteMedian()));
            target.put("speedup", OverheadBenchmark.round3(speedup()));
            target.put("met", targetMet());
            m.put("target", target);
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("zygote_replacements_all_forked", modes.get(Mode.ZYGOTE).allForked());
            check.put("spawn_replacements_none_forked", modes.get(Mode.SPAWN).noneForked());
            StartModes.putRunFacts(m, check, loadStart, loadEnd, totalSeconds);
            return m;
        }

        public void printTable(PrintStream out) {
            out.println("taipan bench recovery: SIGKILL of a worker to the first call answered by its replacement");
            StartModes.printMachine(out, machine, loadStart, loadEnd, settings.module);
            out.printf(Locale.ROOT, "pools   : 1 worker each, zygote and spawn, side by side; restartBackoff %d ms"
                    + " (not applied to a worker that was ready)%n", BACKOFF.toMillis());
            out.printf(Locale.ROOT, "timed   : ProcessHandle.destroyForcibly() of the worker's pid -> first"
                    + " pool.call(\"info\") answered by a new pid%n");
            out.printf(Locale.ROOT, "method  : %d kills per pool, alternating pools, %d ms pause before each;"
                    + " median and p90 (nearest rank)%s%n", settings.kills, PAUSE_MILLIS,
                    settings.quick ? " (QUICK run)" : "");
            out.println();
            out.printf(Locale.ROOT, "%-13s %12s %12s %12s %12s %14s %13s%n", "mode", "median (ms)", "p90 (ms)",
                    "min (ms)", "max (ms)", "exited at (ms)", "ready at (ms)");
            for (Mode mode : Mode.values()) {
                Summary s = modes.get(mode);
                out.printf(Locale.ROOT, "%-13s %12.1f %12.1f %12.1f %12.1f %14.1f %13.1f%n", mode.key, s.median(Kill::ms),
                        s.p90(Kill::ms), s.kills.stream().mapToDouble(Kill::ms).min().orElse(Double.NaN),
                        s.kills.stream().mapToDouble(Kill::ms).max().orElse(Double.NaN), s.median(Kill::exitedMs),
                        s.median(Kill::readyMs));
            }
            out.printf(Locale.ROOT, "%-13s %12s %12s%n", "spawn/zygote", OverheadBenchmark.times(speedup()),
                    OverheadBenchmark.times(modes.get(Mode.SPAWN).p90(Kill::ms) / modes.get(Mode.ZYGOTE).p90(Kill::ms)));
            out.println();
            out.println("(exited at / ready at: medians of kill -> the pool's workerExited and workerReady events)");
            out.printf(Locale.ROOT, "target (zygote median < %.0f ms and >= %.0fx faster than spawn): %s (%.1f ms, %s)%n",
                    TARGET_ZYGOTE_MS, TARGET_SPEEDUP, targetMet() ? "met" : "NOT met", zygoteMedian(),
                    OverheadBenchmark.times(speedup()));
            if (!modes.get(Mode.ZYGOTE).allForked()) {
                out.println("WARNING: some zygote-mode replacements were spawned (the pool fell back to spawning)");
            }
            out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
        }

        /** {@code recovery.png}: median and p90 per mode, log scale. */
        @Override
        public List<Path> writeCharts(Path dir) throws IOException {
            Charts.Bar bar = Charts.bar("Recovery: SIGKILL to first call answered, " + settings.module + ", "
                            + settings.kills + " kills" + (settings.quick ? " (QUICK run)" : ""), "",
                    "ms (log scale)").logY().categories(List.of("median", "p90"));
            for (Mode mode : Mode.values()) {
                Summary s = modes.get(mode);
                bar.series(mode.key, List.of(s.median(Kill::ms), s.p90(Kill::ms)));
            }
            return List.of(bar.save(dir.resolve("recovery.png")));
        }
    }
}
