package dev.taipan.bench;

import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import dev.taipan.bench.StartModes.Mode;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * {@code taipan bench memory}: the memory a worker really costs, zygote vs. spawn: proportional
 * set size (PSS) per worker, with 4 workers that imported a heavy module
 * ({@code taipan_worker.dspy} by default).
 *
 * <p><b>PSS</b> ({@link ProcMemory}: {@code Pss:} of {@code /proc/<pid>/smaps_rollup}) divides
 * every shared page among the processes mapping it, so forked workers that still share the
 * zygote's pages are charged their share only; RSS, also reported, counts shared pages in full
 * in every process. The zygote's own PSS is reported separately, and "per worker including the
 * zygote's share" = (sum of the workers' PSS + the zygote's PSS) / N: what each worker costs
 * when the zygote is counted too. For spawned workers the two are the same.
 *
 * <p><b>One measurement:</b> a pool of N workers (default 4) in one mode; warm-up until every
 * worker has completed at least {@value #WARMUP_CALLS} calls (concurrent batches of the
 * built-ins {@code sleep(0.01)} and {@code echo}, DSPy-free; the sleeps hold slots so the
 * calls spread over all workers); then the <b>echo</b> snapshot. Then, with the DSPy module,
 * every worker runs DSPy: {@code Predict("question -> answer")} against the local LM server
 * (no latency, DSPy's default engine), concurrent batches until every worker completed at least
 * {@code dspyRuns} more calls; then the <b>after DSPy</b> snapshot. The pool is closed and all
 * its processes are gone before the next measurement: only one pool is alive at a time, so
 * pages are shared only within it (and with whatever else maps the same files, such as the LM
 * server's Python).
 *
 * <p><b>Method:</b> rounds (3; 1 with {@code TAIPAN_BENCH_QUICK=1}), each measuring both modes,
 * alternating which goes first; figures are medians across rounds of each round's median per
 * worker. Target: PSS per forked worker at most half a spawned one's (echo snapshot).
 */
public final class MemoryBenchmark {
    static final int WARMUP_CALLS = 20;
    static final double TARGET_RATIO = 0.5;
    static final String SIGNATURE = "question -> answer";
    static final String DSPY_MODULE = "taipan_worker.dspy";
    /** Batches of warm-up or DSPy calls before giving up on reaching every worker. */
    static final int MAX_BATCHES = 200;

    private MemoryBenchmark() {
    }

    /** When the memory is read. */
    enum Phase {
        ECHO("after_echo", "after echo warm-up"),
        DSPY("after_dspy", "after DSPy runs");

        final String key;
        final String label;

        Phase(String key, String label) {
            this.key = key;
            this.label = label;
        }
    }

    record Settings(int rounds, boolean quick, String module, int workers, int dspyRuns) {
        static Settings of(boolean quick, String module, int workers, int dspyRuns) {
            String m = module == null || module.isBlank() ? StartModes.DEFAULT_MODULE : module;
            return new Settings(quick ? 1 : 3, quick, m, workers, m.equals(DSPY_MODULE) ? Math.max(0, dspyRuns) : 0);
        }

        boolean dspy() {
            return dspyRuns > 0;
        }

        List<Phase> phases() {
            return dspy() ? List.of(Phase.ECHO, Phase.DSPY) : List.of(Phase.ECHO);
        }
    }

    /**
     * Runs the benchmark and prints its report to {@code out} (JSON when {@code json}); writes
     * {@code memory.png} into {@code plotDir} unless it is null. {@code dspyRuns} is per worker;
     * 0 (or a module other than {@code taipan_worker.dspy}) skips the DSPy phase.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, Path plotDir, boolean quick, String module, int workers,
                          int dspyRuns, PrintStream out) {
        if (!BenchReports.canRun("memory", python, out)) {
            return 1;
        }
        if (workers < 1) {
            System.err.println("taipan bench memory: need workers >= 1, got " + workers);
            return 1;
        }
        Settings settings = Settings.of(BenchReports.quick(quick), module, workers, dspyRuns);
        return BenchReports.runAndPrint("memory", () -> new Runner(python, settings, System.err).run(), json,
                plotDir, out);
    }

    // ------------------------------------------------------------------ measuring

    /** The memory of a pool's processes at one moment. */
    record Snapshot(List<ProcMemory.Usage> workers, ProcMemory.Usage zygote, int forked) {
        int n() {
            return workers.size();
        }

        double medianWorker(ToDoubleFunction<ProcMemory.Usage> f) {
            return Stats.median(workers, f);
        }

        long zygotePssKb() {
            return zygote == null ? 0 : zygote.pssKb();
        }

        long workersPssKb() {
            return workers.stream().mapToLong(ProcMemory.Usage::pssKb).sum();
        }

        /** (sum of the workers' PSS + the zygote's) / N, KiB. */
        double perWorkerWithZygoteKb() {
            return (workersPssKb() + zygotePssKb()) / (double) n();
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workers", workers.stream().map(ProcMemory.Usage::toJson).toList());
            m.put("zygote", zygote == null ? null : zygote.toJson());
            m.put("forked_workers", forked);
            return m;
        }
    }

    /** Reads the memory of the pool's workers and of their zygote (if they were forked). */
    static Snapshot snapshot(TaipanPool pool) throws IOException {
        List<ProcMemory.Usage> workers = new ArrayList<>();
        int forked = 0;
        long zygote = -1;
        for (long pid : StartModes.workerPids(pool)) {
            workers.add(ProcMemory.read(pid));
            if (StartModes.forked(pid)) {
                forked++;
                zygote = StartModes.parentPid(pid);
            }
        }
        return new Snapshot(List.copyOf(workers), zygote > 0 ? ProcMemory.read(zygote) : null, forked);
    }

    /** Calls completed so far, per worker id. */
    static Map<String, Long> completed(TaipanPool pool) {
        Map<String, Long> m = new HashMap<>();
        for (WorkerInfo w : pool.workers()) {
            m.put(w.id(), w.callsCompleted());
        }
        return m;
    }

    /**
     * Runs concurrent batches ({@code batch} submits one batch and returns its futures) until
     * every worker has completed at least {@code calls} more calls than at the start; returns the
     * smallest number of calls a worker completed.
     */
    static long spread(TaipanPool pool, long calls, Function<Integer, List<CompletableFuture<?>>> batch)
            throws Exception {
        Map<String, Long> base = completed(pool);
        long least = 0;
        for (int b = 0; b < MAX_BATCHES; b++) {
            List<CompletableFuture<?>> futures = batch.apply(b);
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            Map<String, Long> now = completed(pool);
            least = now.entrySet().stream().mapToLong(e -> e.getValue() - base.getOrDefault(e.getKey(), 0L))
                    .min().orElse(0);
            if (least >= calls) {
                return least;
            }
        }
        throw new IllegalStateException("after " + MAX_BATCHES + " batches a worker had completed only " + least
                + " calls (expected >= " + calls + ")");
    }

    /** The DSPy-free warm-up: concurrent {@code sleep(0.01)} and {@code echo} calls. */
    static long echoWarmUp(TaipanPool pool, int workers, long calls) throws Exception {
        return spread(pool, calls, b -> {
            List<CompletableFuture<?>> f = new ArrayList<>();
            for (int i = 0; i < 2 * workers; i++) {
                f.add(pool.callAsync("sleep", List.of(0.01)));
                f.add(pool.callAsync("echo", List.of("warm-up " + b + "/" + i)));
            }
            return f;
        });
    }

    /** DSPy runs on every worker: concurrent {@code program.runAsync}. */
    static long dspyRuns(TaipanPool pool, Program program, int workers, long runs) throws Exception {
        return spread(pool, runs, b -> {
            List<CompletableFuture<?>> f = new ArrayList<>();
            for (int i = 0; i < 2 * workers; i++) {
                f.add(program.runAsync(Map.of("question", "batch " + b + " question " + i
                        + ": what is the capital of France?")).thenAccept(MemoryBenchmark::check));
            }
            return f;
        });
    }

    private static void check(Prediction p) {
        if (p.get("answer") == null) {
            throw new IllegalStateException("a prediction without an answer: " + p.outputs());
        }
    }

    // ------------------------------------------------------------------ the run

    /** Medians across rounds of one mode at one phase. */
    record Summary(double pssKb, double withZygoteKb, double rssKb, double privateKb, double zygotePssKb,
                   double totalPssKb, List<Snapshot> rounds) {
        static Summary of(List<Snapshot> rounds) {
            return new Summary(
                    med(rounds, s -> s.medianWorker(ProcMemory.Usage::pssKb)),
                    med(rounds, Snapshot::perWorkerWithZygoteKb),
                    med(rounds, s -> s.medianWorker(ProcMemory.Usage::rssKb)),
                    med(rounds, s -> s.medianWorker(ProcMemory.Usage::privateKb)),
                    med(rounds, s -> s.zygote == null ? Double.NaN : s.zygotePssKb()),
                    med(rounds, s -> s.workersPssKb() + s.zygotePssKb()),
                    List.copyOf(rounds));
        }

        private static double med(List<Snapshot> rounds, ToDoubleFunction<Snapshot> f) {
            return Stats.median(rounds.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).toArray());
        }

        boolean allForked() {
            return rounds.stream().allMatch(s -> s.forked == s.n());
        }

        boolean noneForked() {
            return rounds.stream().allMatch(s -> s.forked == 0);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pss_per_worker_mb", mb(pssKb));
            m.put("pss_per_worker_with_zygote_share_mb", mb(withZygoteKb));
            m.put("rss_per_worker_mb", mb(rssKb));
            m.put("private_per_worker_mb", mb(privateKb));
            m.put("zygote_pss_mb", Double.isNaN(zygotePssKb) ? null : mb(zygotePssKb));
            m.put("total_pss_mb", mb(totalPssKb));
            m.put("rounds", rounds.stream().map(Snapshot::toJson).toList());
            return m;
        }
    }

    static double mb(double kb) {
        return OverheadBenchmark.round1(kb / 1024.0);
    }

    record Runner(String python, Settings settings, PrintStream progress) {

        Report run() throws Exception {
            long t0 = System.nanoTime();
            double load0 = StartModes.loadAverage();
            Map<Mode, Map<Phase, List<Snapshot>>> snaps = new EnumMap<>(Mode.class);
            for (Mode mode : Mode.values()) {
                Map<Phase, List<Snapshot>> byPhase = new EnumMap<>(Phase.class);
                settings.phases().forEach(p -> byPhase.put(p, new ArrayList<>()));
                snaps.put(mode, byPhase);
            }
            String pythonVersion = "unknown";
            LocalLmServer server = null;
            try {
                if (settings.dspy()) {
                    progress.println("starting the local LM server (no latency)...");
                    server = LocalLmServer.start(python);
                }
                for (int r = 0; r < settings.rounds; r++) {
                    List<Mode> order = Mode.order(r);
                    for (Mode mode : order) {
                        progress.printf(Locale.ROOT, "round %d/%d  %-6s starting %d workers (%s)...%n", r + 1,
                                settings.rounds, mode.key, settings.workers, settings.module);
                        TaipanPool pool = TaipanPool.start(StartModes.config("bench-memory-" + mode.key, python,
                                settings.module, settings.workers, mode.startMode).build());
                        try {
                            pythonVersion = StartModes.pythonVersion(pool);
                            long least = echoWarmUp(pool, settings.workers, WARMUP_CALLS);
                            Snapshot echo = snapshot(pool);
                            snaps.get(mode).get(Phase.ECHO).add(echo);
                            print(r, mode, Phase.ECHO, echo, least + " calls");
                            if (settings.dspy()) {
                                Program program = Dspy.on(pool).lm(server.lm().engine("auto")).predict(SIGNATURE);
                                least = dspyRuns(pool, program, settings.workers, settings.dspyRuns);
                                Snapshot dspy = snapshot(pool);
                                snaps.get(mode).get(Phase.DSPY).add(dspy);
                                print(r, mode, Phase.DSPY, dspy, least + " DSPy calls");
                            }
                        } finally {
                            StartModes.closeAndAwait(pool);
                        }
                    }
                }
            } finally {
                if (server != null) {
                    server.close();
                }
            }
            Map<Mode, Map<Phase, Summary>> summaries = new EnumMap<>(Mode.class);
            snaps.forEach((mode, byPhase) -> {
                Map<Phase, Summary> m = new EnumMap<>(Phase.class);
                byPhase.forEach((phase, list) -> m.put(phase, Summary.of(list)));
                summaries.put(mode, m);
            });
            return new Report(Machine.describe(pythonVersion), settings, summaries, load0,
                    StartModes.loadAverage(), (System.nanoTime() - t0) / 1e9);
        }

        private void print(int round, Mode mode, Phase phase, Snapshot s, String calls) {
            progress.printf(Locale.ROOT, "round %d/%d  %-6s %-18s PSS/worker %6.1f MB (+zygote share %6.1f MB),"
                            + " RSS/worker %6.1f MB, zygote PSS %s, %d/%d forked, >= %s per worker%n", round + 1,
                    settings.rounds, mode.key, phase.label, s.medianWorker(ProcMemory.Usage::pssKb) / 1024,
                    s.perWorkerWithZygoteKb() / 1024, s.medianWorker(ProcMemory.Usage::rssKb) / 1024,
                    s.zygote == null ? "-" : String.format(Locale.ROOT, "%.1f MB", s.zygotePssKb() / 1024.0), s.forked,
                    s.n(), calls);
        }
    }

    // ------------------------------------------------------------------ the report

    record Report(Machine machine, Settings settings, Map<Mode, Map<Phase, Summary>> modes,
                  double loadStart, double loadEnd, double totalSeconds) implements BenchReports.Report {
        Summary get(Mode mode, Phase phase) {
            return modes.get(mode).get(phase);
        }

        /** Zygote PSS per worker ÷ spawn's, at a phase. */
        double ratio(Phase phase) {
            return get(Mode.ZYGOTE, phase).pssKb / get(Mode.SPAWN, phase).pssKb;
        }

        /** Zygote PSS per worker including the zygote's share ÷ spawn's PSS per worker. */
        double ratioWithZygote(Phase phase) {
            return get(Mode.ZYGOTE, phase).withZygoteKb / get(Mode.SPAWN, phase).pssKb;
        }

        boolean targetMet() {
            return ratio(Phase.ECHO) <= TARGET_RATIO;
        }

        boolean zygoteAllForked() {
            return modes.get(Mode.ZYGOTE).values().stream().allMatch(Summary::allForked);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", "memory");
            m.put("machine", machine.toJson());
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("module", settings.module);
            setup.put("workers", settings.workers);
            setup.put("memory", "PSS, RSS and private (Private_Clean + Private_Dirty) from /proc/<pid>/smaps_rollup"
                    + " (else summed over /proc/<pid>/smaps); 1 MB = 1 MiB");
            setup.put("with_zygote_share", "(sum of the workers' PSS + the zygote's PSS) / workers");
            setup.put("after_echo", "every worker completed >= " + WARMUP_CALLS + " calls: concurrent batches of"
                    + " sleep(0.01) and echo");
            setup.put("after_dspy", settings.dspy() ? "then every worker completed >= " + settings.dspyRuns
                    + " more calls of DSPy Predict(\"" + SIGNATURE + "\") against the local LM server (no latency,"
                    + " engine auto)" : null);
            setup.put("order", "one pool alive at a time, closed (all processes gone) before the next; modes"
                    + " alternating which goes first from round to round");
            setup.put("rounds", settings.rounds);
            setup.put("quick", settings.quick);
            m.put("setup", setup);
            for (Phase phase : settings.phases()) {
                Map<String, Object> p = new LinkedHashMap<>();
                for (Mode mode : Mode.values()) {
                    p.put(mode.key, get(mode, phase).toJson());
                }
                p.put("zygote_over_spawn_pss_per_worker", OverheadBenchmark.round3(ratio(phase)));
                p.put("zygote_with_share_over_spawn_pss_per_worker", OverheadBenchmark.round3(ratioWithZygote(phase)));
                m.put(phase.key, p);
            }
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("what", "PSS per forked worker <= " + TARGET_RATIO + " x a spawned one's (after echo warm-up)");
            target.put("ratio", OverheadBenchmark.round3(ratio(Phase.ECHO)));
            target.put("met", targetMet());
            if (settings.dspy()) {
                target.put("ratio_after_dspy", OverheadBenchmark.round3(ratio(Phase.DSPY)));
            }
            m.put("target", target);
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("zygote_workers_all_forked", zygoteAllForked());
            check.put("spawned_workers_none_forked", modes.get(Mode.SPAWN).values().stream()
                    .allMatch(Summary::noneForked));
            StartModes.putRunFacts(m, check, loadStart, loadEnd, totalSeconds);
            return m;
        }

        public void printTable(PrintStream out) {
            out.println("taipan bench memory: memory per worker, zygote (forked) vs. spawned workers");
            StartModes.printMachine(out, machine, loadStart, loadEnd, settings.module);
            out.printf(Locale.ROOT, "pools   : %d workers, one pool alive at a time%n", settings.workers);
            out.printf(Locale.ROOT, "memory  : PSS / RSS / private (USS) from /proc/<pid>/smaps_rollup; median per"
                    + " worker; \"+zygote\" = (sum of workers' PSS + zygote PSS) / %d%n", settings.workers);
            out.printf(Locale.ROOT, "phases  : after echo warm-up (>= %d calls per worker)%s%n", WARMUP_CALLS,
                    settings.dspy() ? "; after DSPy runs (>= " + settings.dspyRuns + " more calls per worker of"
                            + " Predict against the local LM server)" : "");
            out.printf(Locale.ROOT, "method  : %d round%s, modes alternating; medians across rounds%s%n",
                    settings.rounds, settings.rounds == 1 ? "" : "s", settings.quick ? " (QUICK run)" : "");
            out.println();
            out.printf(Locale.ROOT, "%-18s %-13s %11s %11s %11s %11s %11s %11s%n", "phase", "mode", "PSS/worker",
                    "+zygote", "RSS/worker", "private/wkr", "zygote PSS", "total PSS");
            for (Phase phase : settings.phases()) {
                for (Mode mode : Mode.values()) {
                    Summary s = get(mode, phase);
                    out.printf(Locale.ROOT, "%-18s %-13s %8.1f MB %8.1f MB %8.1f MB %8.1f MB %11s %8.1f MB%n",
                            mode == Mode.ZYGOTE ? phase.label : "", mode.key, s.pssKb / 1024, s.withZygoteKb / 1024,
                            s.rssKb / 1024, s.privateKb / 1024, Double.isNaN(s.zygotePssKb) ? "-"
                                    : String.format(Locale.ROOT, "%.1f MB", s.zygotePssKb / 1024), s.totalPssKb / 1024);
                }
                Summary z = get(Mode.ZYGOTE, phase);
                Summary sp = get(Mode.SPAWN, phase);
                out.printf(Locale.ROOT, "%-18s %-13s %11s %11s %11s %11s %11s %11s%n", "", "zygote/spawn",
                        OverheadBenchmark.times(ratio(phase)), OverheadBenchmark.times(ratioWithZygote(phase)),
                        OverheadBenchmark.times(z.rssKb / sp.rssKb), OverheadBenchmark.times(z.privateKb / sp.privateKb),
                        "", OverheadBenchmark.times(z.totalPssKb / sp.totalPssKb));
            }
            out.println();
            out.printf(Locale.ROOT, "target (PSS per forked worker <= %.1fx a spawned one's, after echo): %s (%s;"
                            + " with the zygote's share %s)%n", TARGET_RATIO, targetMet() ? "met" : "NOT met",
                    OverheadBenchmark.times(ratio(Phase.ECHO)), OverheadBenchmark.times(ratioWithZygote(Phase.ECHO)));
            if (settings.dspy()) {
                out.printf(Locale.ROOT, "after DSPy runs: %s (with the zygote's share %s)%n",
                        OverheadBenchmark.times(ratio(Phase.DSPY)), OverheadBenchmark.times(ratioWithZygote(Phase.DSPY)));
            }
            if (!zygoteAllForked()) {
                out.println("WARNING: some zygote-mode workers were not forked (the pool fell back to spawning)");
            }
            out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
        }

        /** {@code memory.png}: PSS per worker (with and without the zygote's share) and RSS, per phase. */
        @Override
        public List<Path> writeCharts(Path dir) throws IOException {
            List<String> categories = new ArrayList<>();
            Map<Mode, List<Double>> values = new EnumMap<>(Mode.class);
            for (Mode mode : Mode.values()) {
                values.put(mode, new ArrayList<>());
            }
            for (Phase phase : settings.phases()) {
                String suffix = settings.dspy() ? (phase == Phase.ECHO ? ", echo" : ", DSPy") : "";
                categories.add("PSS" + suffix);
                categories.add("PSS+zygote" + suffix);
                categories.add("RSS" + suffix);
                for (Mode mode : Mode.values()) {
                    Summary s = get(mode, phase);
                    values.get(mode).addAll(List.of(s.pssKb / 1024, s.withZygoteKb / 1024, s.rssKb / 1024));
                }
            }
            Charts.Bar bar = Charts.bar("Memory per worker, " + settings.workers + " workers, " + settings.module
                    + ", median of " + settings.rounds + (settings.quick ? " (QUICK run)" : ""),
                    settings.dspy() ? "after echo warm-up / after DSPy runs" : "after echo warm-up", "MiB per worker")
                    .categories(categories);
            for (Mode mode : Mode.values()) {
                bar.series(mode.key, values.get(mode));
            }
            return List.of(bar.save(dir.resolve("memory.png")));
        }
    }
}
