package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;




/**
 * {@code taipan bench dspy}: throughput, latency and memory of a DSPy program run from Java
 * through a multi-slot pool, next to the same load on the same number of workers with one
 * call per worker at a time (the DSPex / Snakepit process model).
 *
 * <p><b>Program:</b> {@code dspy.predict("question -> answer")}, one LM call per run, against
 * the project's local LM server ({@link LocalLmServer}) with 100 ms simulated latency per
 * request, cache off, DSPy history off (the bridge's default). The LM engine is DSPy's default
 * ({@code auto}, which prefers its native {@code lm15} engine), what users of {@code Lm.of(model)}
 * get, unless another is asked for ({@code --engine litellm}).
 *
 * <p><b>Pools</b> (both started once, side by side, same Python, same modules):
 * <ul>
 *   <li><b>multi-slot</b>: {@code W} workers x {@code S} slots (default 4 x 64); a DSPy run is a
 *       plain function, so the slots are threads of the worker's executor;</li>
 *   <li><b>one call per worker</b>: the same {@code W} workers with {@code slots=1}.</li>
 * </ul>
 *
 * <p><b>Load:</b> 1, 16, 64 and 256 Java caller threads, each doing synchronous
 * {@code program.run} back to back (closed loop) for a fixed time per point. Per point and
 * round the two pools are measured one after the other, alternating which goes first, so
 * that noise on the machine hits both alike; figures are medians across rounds. After each
 * point: the pool's total RSS (sum of {@code VmRSS} of its workers) and the LM server's,
 * and the CPU used during the point by the workers, the LM server, this JVM and the machine.
 *
 * <p>{@code TAIPAN_BENCH_QUICK=1} (or {@code --quick}) runs one short round (about 70 s
 * instead of about 4.5 min).
 */
public final class DspyBenchmark {
    static final int[] CALLERS = {1, 16, 64, 256};
    static final int LM_LATENCY_MS = 100;
    static final String SIGNATURE = "question -> answer";
    static final double TARGET_RATIO = 8.0;
    static final int TARGET_CALLERS = 256;
    static final long CLK_TCK = 100; // USER_HZ on Linux
    /** What {@link LocalLmServer#lm()} uses: DSPy's LM -> LiteLLM -> HTTP. */
    /** DSPy's own choice, what {@code Lm.of(model)} users get; {@code --engine litellm} for LiteLLM. */
    static final String DEFAULT_ENGINE = "auto";

    private DspyBenchmark() {
    }

    /** Rounds, their length and the warm-up; the pools' shape. */
    record Settings(int rounds, long pointMillis, long warmupMillis, boolean quick, int workers, int slots,
                    String engine) {
        static Settings of(boolean quick, int workers, int slots, String engine) {
            return quick ? new Settings(1, 3_000, 2_000, true, workers, slots, engine)
                    : new Settings(3, 8_000, 3_000, false, workers, slots, engine);
        }
    }

    /**
     * Runs the benchmark with the given Python executable and prints its report to {@code out}
     * (as JSON when {@code json} is true). Progress goes to stderr. {@code quick} (or
     * {@code TAIPAN_BENCH_QUICK=1}) selects the short run.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, boolean quick, int workers, int slots, String engine,
                          PrintStream out) {
        return run(python, json, null, quick, workers, slots, engine, out, System.err);
    }

    /** As {@link #run(String, boolean, boolean, int, int, String, PrintStream)}; also writes {@code dspy-throughput.png} into {@code plotDir} unless it is null. */
    public static int run(String python, boolean json, Path plotDir, boolean quick, int workers, int slots,
                          String engine, PrintStream out) {
        return run(python, json, plotDir, quick, workers, slots, engine, out, System.err);
    }

    static int run(String python, boolean json, Path plotDir, boolean quick, int workers, int slots, String engine,
                   PrintStream out, PrintStream progress) {
        if (!BenchReports.canRun("dspy", python, out)) {
            return 1;
        }
        if (workers < 1 || slots < 2) {
            System.err.println("taipan bench dspy: need workers >= 1 and slots >= 2, got " + workers + " x " + slots);
            return 1;
        }
        boolean q = BenchReports.quick(quick);
        return BenchReports.runAndPrint("dspy", () -> new Runner(python, Settings.of(q, workers, slots, engine == null ? DEFAULT_ENGINE : engine), progress).run(), json, plotDir, out);
    }

    // ------------------------------------------------------------------ measuring

    /** One measured point of one pool in one round. */
    record Round(long calls, double seconds, double p50Ms, double p99Ms, double callsPerSecond, long poolRssKb,
                 long serverRssKb, double poolCpu, double serverCpu, double jvmCpu, double machineBusy) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("calls", calls);
            m.put("seconds", OverheadBenchmark.round3(seconds));
            m.put("p50_ms", OverheadBenchmark.round1(p50Ms));
            m.put("p99_ms", OverheadBenchmark.round1(p99Ms));
            m.put("calls_per_s", OverheadBenchmark.round1(callsPerSecond));
            m.put("pool_rss_mb", mb(poolRssKb));
            m.put("lm_server_rss_mb", mb(serverRssKb));
            m.put("cpu_cores", cpuJson(poolCpu, serverCpu, jvmCpu, machineBusy));
            return m;
        }
    }

    static Map<String, Object> cpuJson(double pool, double server, double jvm, double machine) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("workers", OverheadBenchmark.round3(pool));
        c.put("lm_server", OverheadBenchmark.round3(server));
        c.put("jvm", OverheadBenchmark.round3(jvm));
        c.put("machine_busy", OverheadBenchmark.round3(machine));
        return c;
    }

    static double mb(long kb) {
        return OverheadBenchmark.round1(kb / 1024.0);
    }

    /** A pool under test with its program. */
    record Target(String name, TaipanPool pool, Program program) {
        List<Long> pids() {
            return StartModes.workerPids(pool);
        }
    }

    /** The LM server is our child process running {@code taipan_worker.lm_server}. */
    static long lmServerPid() {
        return ProcessHandle.current().children()
                .filter(c -> c.info().commandLine().orElse("").contains("taipan_worker.lm_server"))
                .map(ProcessHandle::pid).findFirst().orElse(-1L);
    }

    /** {@code utime + stime} of a process in clock ticks, or 0 if it is gone. */
    static long cpuTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static long cpuTicks(List<Long> pids) {
        return pids.stream().mapToLong(DspyBenchmark::cpuTicks).sum();
    }

    /** {@code VmRSS} of a process in KiB, or 0 if it is gone. */
    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone or unreadable.
        }
        return 0;
    }

    /** Busy and total jiffies of the whole machine (first line of /proc/stat). */
    static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            long idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i == 4 || i == 5) {
                    idle += v; // idle, iowait
                }
            }
            return new long[]{total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[]{0, 0};
        }
    }

    /**
     * Runs {@code callers} threads doing synchronous {@code program.run} back to back for
     * {@code millis}; calls in flight at the deadline finish and count (closed loop).
     */
    static Round measure(Target target, int callers, long millis, long serverPid) throws Exception {
        List<Long> pids = target.pids();
        long[] base = new long[3];
        long[][] machine0 = new long[1][];
        ClosedLoop.Result r = ClosedLoop.run(callers, millis, "bench-dspy-caller", 120_000, (caller, n) -> {
            // A different question each time (the LM cache is off anyway).
            Prediction p = target.program.run(Map.of("question", "caller " + caller + " question " + n
                    + ": what is the capital of France?"));
            if (p.get("answer") == null) {
                throw new IllegalStateException("a prediction without an answer: " + p.outputs());
            }
        }, () -> {
            base[0] = cpuTicks(pids);
            base[1] = cpuTicks(serverPid);
            base[2] = cpuTicks(ProcessHandle.current().pid());
            machine0[0] = machineTicks();
        });
        long[] m0 = machine0[0];
        long[] m1 = machineTicks();
        double cores = r.elapsedNanos() / 1e9 * CLK_TCK;
        double poolCpu = (cpuTicks(pids) - base[0]) / cores;
        double serverCpu = (cpuTicks(serverPid) - base[1]) / cores;
        double jvmCpu = (cpuTicks(ProcessHandle.current().pid()) - base[2]) / cores;
        double machineBusy = m1[1] > m0[1] ? (double) (m1[0] - m0[0]) / (m1[1] - m0[1])
                * Runtime.getRuntime().availableProcessors() : 0;
        long poolRss = pids.stream().mapToLong(DspyBenchmark::rssKb).sum();
        return new Round(r.calls(), r.seconds(), r.percentile(0.50) / 1e6, r.percentile(0.99) / 1e6,
                r.callsPerSecond(), poolRss, rssKb(serverPid), poolCpu, serverCpu, jvmCpu, machineBusy);
    }

    // ------------------------------------------------------------------ the run

    /** Median figures of one pool at one point, with its rounds. */
    record Summary(double p50Ms, double p99Ms, double callsPerSecond, long poolRssKb, long serverRssKb,
                   double poolCpu, double serverCpu, double jvmCpu, double machineBusy, List<Round> rounds) {
        static Summary of(List<Round> rounds) {
            return new Summary(
                    Stats.median(rounds, Round::p50Ms),
                    Stats.median(rounds, Round::p99Ms),
                    Stats.median(rounds, Round::callsPerSecond),
                    rounds.get(rounds.size() - 1).poolRssKb(), // at the end of the point's last round
                    rounds.get(rounds.size() - 1).serverRssKb(),
                    Stats.median(rounds, Round::poolCpu),
                    Stats.median(rounds, Round::serverCpu),
                    Stats.median(rounds, Round::jvmCpu),
                    Stats.median(rounds, Round::machineBusy),
                    List.copyOf(rounds));
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_ms", OverheadBenchmark.round1(p50Ms));
            m.put("p99_ms", OverheadBenchmark.round1(p99Ms));
            m.put("calls_per_s", OverheadBenchmark.round1(callsPerSecond));
            m.put("pool_rss_mb", mb(poolRssKb));
            m.put("lm_server_rss_mb", mb(serverRssKb));
            m.put("cpu_cores", cpuJson(poolCpu, serverCpu, jvmCpu, machineBusy));
            m.put("rounds", rounds.stream().map(Round::toJson).toList());
            return m;
        }
    }

    record Point(int callers, Summary multi, Summary single) {
        double ratio() {
            return multi.callsPerSecond / single.callsPerSecond;
        }
    }

    record Runner(String python, Settings settings, PrintStream progress) {

        private TaipanPool startPool(String name, int slots) {
            return TaipanPool.start(PoolConfig.builder()
                    .name(name)
                    .python(python)
                    .modules("taipan_worker.dspy")
                    .workers(settings.workers)
                    .slots(slots)
                    .startTimeout(Duration.ofMinutes(5)) // importing DSPy takes ~5 s, minutes on a swamped machine
                    .callTimeout(Duration.ofSeconds(120))
                    .acquireTimeout(Duration.ofMinutes(5)) // 256 callers queue for 4 slots: seconds each
                    .maxWaiting(4_096)
                    .drainTimeout(Duration.ofSeconds(5))
                    .env("TQDM_DISABLE", "1")
                    .build());
        }

        Report run() throws Exception {
            long t0 = System.nanoTime();
            TaipanPool multiPool = null;
            TaipanPool singlePool = null;
            progress.printf(Locale.ROOT, "starting the local LM server (%d ms latency)...%n", LM_LATENCY_MS);
            try (LocalLmServer server = LocalLmServer.start(python, LM_LATENCY_MS)) {
                long serverPid = lmServerPid();
                progress.printf(Locale.ROOT, "starting the pools: %d workers x %d slots, and %d workers x 1 slot...%n",
                        settings.workers, settings.slots, settings.workers);
                multiPool = startPool("bench-dspy-multi", settings.slots);
                singlePool = startPool("bench-dspy-single", 1);
                dev.taipan.dspy.Lm lm = server.lm().engine(settings.engine);
                Dspy dspyMulti = Dspy.on(multiPool).lm(lm);
                Dspy dspySingle = Dspy.on(singlePool).lm(lm);
                Target multi = new Target("multi-slot", multiPool, dspyMulti.predict(SIGNATURE));
                Target single = new Target("one-call-per-worker", singlePool, dspySingle.predict(SIGNATURE));
                String dspyVersion = dspyMulti.dspyVersion();
                long idleMultiRss = multi.pids().stream().mapToLong(DspyBenchmark::rssKb).sum();
                long idleSingleRss = single.pids().stream().mapToLong(DspyBenchmark::rssKb).sum();

                // Warm-up, once per pool, at its full width: every worker imports and fetches the
                // program, every executor thread and HTTP connection exists before anything is timed.
                for (Target t : List.of(multi, single)) {
                    int width = t == multi ? settings.workers * settings.slots : settings.workers;
                    Round w = measure(t, width, settings.warmupMillis, serverPid);
                    progress.printf(Locale.ROOT, "warm-up  %3d callers  %-19s %7.1f calls/s%n", width, t.name,
                            w.callsPerSecond());
                }
                Map<Integer, List<Round>> multiRounds = new LinkedHashMap<>();
                Map<Integer, List<Round>> singleRounds = new LinkedHashMap<>();
                for (int callers : CALLERS) {
                    multiRounds.put(callers, new ArrayList<>());
                    singleRounds.put(callers, new ArrayList<>());
                }
                for (int r = 0; r < settings.rounds; r++) {
                    for (int i = 0; i < CALLERS.length; i++) {
                        int callers = CALLERS[i];
                        // Alternate which pool goes first, across points and across rounds.
                        boolean multiFirst = (r + i) % 2 == 0;
                        for (int k = 0; k < 2; k++) {
                            boolean isMulti = (k == 0) == multiFirst;
                            Target t = isMulti ? multi : single;
                            Round round = measure(t, callers, settings.pointMillis, serverPid);
                            (isMulti ? multiRounds : singleRounds).get(callers).add(round);
                            progress.printf(Locale.ROOT,
                                    "round %d/%d  %3d callers  %-19s %7.1f calls/s  p50 %7.1f ms  p99 %7.1f ms"
                                            + "  rss %6.1f MB  cpu: workers %.2f, lm server %.2f, jvm %.2f,"
                                            + " machine %.2f cores%n",
                                    r + 1, settings.rounds, callers, t.name, round.callsPerSecond(), round.p50Ms(),
                                    round.p99Ms(), round.poolRssKb() / 1024.0, round.poolCpu(), round.serverCpu(),
                                    round.jvmCpu(), round.machineBusy());
                        }
                    }
                }
                List<Point> points = new ArrayList<>();
                for (int callers : CALLERS) {
                    points.add(new Point(callers, Summary.of(multiRounds.get(callers)),
                            Summary.of(singleRounds.get(callers))));
                }
                String pythonVersion = StartModes.pythonVersion(multiPool);
                return new Report(Machine.describe(pythonVersion), dspyVersion, settings, points,
                        idleMultiRss, idleSingleRss, (System.nanoTime() - t0) / 1e9);
            } finally {
                if (multiPool != null) {
                    multiPool.close();
                }
                if (singlePool != null) {
                    singlePool.close();
                }
            }
        }

    }

    // ------------------------------------------------------------------ the report

    record Report(Machine machine, String dspyVersion, Settings settings, List<Point> points,
                  long idleMultiRssKb, long idleSingleRssKb, double totalSeconds) implements BenchReports.Report {
        Optional<Point> targetPoint() {
            return points.stream().filter(p -> p.callers == TARGET_CALLERS).findFirst();
        }

        boolean targetMet() {
            return targetPoint().map(p -> p.ratio() >= TARGET_RATIO).orElse(false);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", "dspy");
            Map<String, Object> machineJson = machine.toJson();
            machineJson.put("dspy", dspyVersion);
            m.put("machine", machineJson);
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("program", "dspy.Predict(\"" + SIGNATURE + "\"), one LM call per run");
            setup.put("lm", "local LM server (python -m taipan_worker.lm_server), cache off");
            setup.put("lm_engine", settings.engine);
            setup.put("lm_latency_ms", LM_LATENCY_MS);
            setup.put("multi_slot_pool", Map.of("workers", settings.workers, "slots", settings.slots));
            setup.put("one_call_per_worker_pool", Map.of("workers", settings.workers, "slots", 1));
            setup.put("callers", Arrays.stream(CALLERS).boxed().toList());
            setup.put("rounds", settings.rounds);
            setup.put("point_seconds", settings.pointMillis / 1000.0);
            setup.put("warmup_seconds", settings.warmupMillis / 1000.0);
            setup.put("quick", settings.quick);
            m.put("setup", setup);
            m.put("idle_pool_rss_mb", Map.of("multi_slot", mb(idleMultiRssKb), "one_call_per_worker",
                    mb(idleSingleRssKb)));
            List<Map<String, Object>> ps = new ArrayList<>();
            for (Point p : points) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("callers", p.callers);
                e.put("multi_slot", p.multi.toJson());
                e.put("one_call_per_worker", p.single.toJson());
                e.put("throughput_ratio", OverheadBenchmark.round3(p.ratio()));
                ps.add(e);
            }
            m.put("points", ps);
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("callers", TARGET_CALLERS);
            target.put("min_throughput_ratio", TARGET_RATIO);
            target.put("ratio", targetPoint().map(p -> OverheadBenchmark.round3(p.ratio())).orElse(null));
            target.put("met", targetMet());
            m.put("target", target);
            m.put("total_seconds", OverheadBenchmark.round1(totalSeconds));
            return m;
        }

        public void printTable(PrintStream out) {
            out.println("taipan bench dspy: a DSPy Predict program from Java, multi-slot pool vs. one call per worker");
            machine.printHeader(out, "", ", DSPy " + dspyVersion);
            out.printf(Locale.ROOT, "program : dspy.Predict(\"%s\"), one LM call per run, sync program.run%n", SIGNATURE);
            out.printf(Locale.ROOT, "lm      : local LM server, %d ms simulated latency, DSPy LM engine \"%s\", cache off%n",
                    LM_LATENCY_MS, settings.engine);
            out.printf(Locale.ROOT, "pools   : multi = %d workers x %d slots; single = %d workers x 1 slot"
                    + " (one call per worker at a time)%n", settings.workers, settings.slots, settings.workers);
            out.printf(Locale.ROOT, "method  : warm-up, then %d round%s of %.1f s per pool and point (after %.1f s of warm-up per pool at full width), alternating"
                    + " which pool goes first; medians across rounds%s%n", settings.rounds,
                    settings.rounds == 1 ? "" : "s", settings.pointMillis / 1000.0, settings.warmupMillis / 1000.0, settings.quick ? " (QUICK run)" : "");
            out.printf(Locale.ROOT, "rss     : sum of the workers' VmRSS at the end of the point; idle after start:"
                    + " multi %.0f MB, single %.0f MB%n", idleMultiRssKb / 1024.0, idleSingleRssKb / 1024.0);
            out.println();
            out.printf(Locale.ROOT, "%-7s %-7s %9s %9s %10s %9s %8s | %-25s%n", "callers", "pool", "calls/s", "p50 (ms)",
                    "p99 (ms)", "rss (MB)", "lm rss", "cpu cores: wrk/lm/jvm/all");
            for (Point p : points) {
                row(out, String.valueOf(p.callers), "multi", p.multi);
                row(out, "", "single", p.single);
                out.printf(Locale.ROOT, "%-7s %-7s %8.2fx%n", "", "ratio", p.ratio());
            }
            out.println();
            targetPoint().ifPresent(p -> out.printf(Locale.ROOT,
                    "target (at %d callers, multi-slot >= %.0fx one-call-per-worker throughput on %d workers): %s (%.2fx)%n",
                    TARGET_CALLERS, TARGET_RATIO, settings.workers, targetMet() ? "met" : "NOT met", p.ratio()));
            out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
        }

        /** {@code dspy-throughput.png}: runs/s per number of callers, both pools, log scale. */
        @Override
        public List<Path> writeCharts(Path dir) throws IOException {
            return List.of(Charts.bar("DSPy Predict runs/s, " + settings.workers + " workers (median of "
                            + settings.rounds + " round" + (settings.rounds == 1 ? "" : "s") + ")"
                            + (settings.quick ? " (QUICK run)" : ""), "caller threads", "runs/s (log scale)").logY()
                    .categories(points.stream().map(p -> String.valueOf(p.callers)).toList())
                    .series("multi-slot " + settings.workers + "x" + settings.slots,
                            points.stream().map(p -> p.multi.callsPerSecond).toList())
                    .series("one call per worker " + settings.workers + "x1",
                            points.stream().map(p -> p.single.callsPerSecond).toList())
                    .save(dir.resolve("dspy-throughput.png")));
        }

        private static void row(PrintStream out, String callers, String pool, Summary s) {
            out.printf(Locale.ROOT, "%-7s %-7s %9.1f %9.1f %10.1f %9.0f %8.0f | %.2f / %.2f / %.2f / %.2f%n", callers,
                    pool, s.callsPerSecond, s.p50Ms, s.p99Ms, s.poolRssKb / 1024.0, s.serverRssKb / 1024.0, s.poolCpu,
                    s.serverCpu, s.jvmCpu, s.machineBusy);
        }
    }
}
