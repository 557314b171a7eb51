package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.StartMode;
import dev.taipan.TaipanPool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code taipan bench startup}: the time until N workers are ready, for N = 1, 4 and 8, with a
 * heavy module imported ({@code taipan_worker.dspy} by default: importing DSPy is what makes a
 * cold start take seconds).
 *
 * <p><b>What is timed:</b> {@code System.nanoTime()} around {@link TaipanPool#start} with
 * {@code lazyStart} off, which returns once every worker is READY: the process exists, has
 * connected to the pool's socket, authenticated, imported the module and sent {@code hello}.
 * Closing the pool is not timed; every process of a pool has exited before the next
 * measurement starts.
 *
 * <p><b>Three ways to get N ready workers:</b>
 * <ul>
 *   <li><b>zygote</b>: one pool of N workers in {@link StartMode#ZYGOTE}: the pool starts the
 *       zygote, which imports the module once, then forks the N workers (the time includes the
 *       zygote's own start and import);</li>
 *   <li><b>spawn</b>: one pool of N workers in {@link StartMode#SPAWN}: N fresh Python processes
 *       started at once, each importing the module (N imports competing for the cores);</li>
 *   <li><b>spawn one at a time</b>: N pools of one spawned worker each, started one after
 *       another, each {@code start} returning (its worker ready) before the next begins: the
 *       serialized start of a supervisor that brings workers up one by one. Timed from the
 *       first start to the last one's return; all N pools are closed afterwards. At N = 1 it is
 *       the same as spawn, so it is not run.</li>
 * </ul>
 *
 * <p><b>Method:</b> an untimed warm-up (one spawned worker, one zygote with one worker) so every
 * way finds the module's files in the page cache, then rounds; in each round every N runs
 * every way once, in an order that rotates from round to round and from N to N. Figures are
 * medians across rounds. The reference is the cold start of one spawned worker (spawn, N = 1),
 * and the target is zygote at N = 8 within 1.5x of it.
 */
public final class StartupBenchmark {
    static final List<Integer> DEFAULT_WORKERS = List.of(1, 4, 8);
    static final double TARGET_RATIO = 1.5;
    static final int TARGET_WORKERS = 8;

    private StartupBenchmark() {
    }

    /** The ways to bring N workers up. */
    enum Way {
        ZYGOTE("zygote", "zygote", "one pool of N workers, StartMode.ZYGOTE: the zygote imports the module once"
                + " and forks the N workers (the time includes starting the zygote)"),
        SPAWN("spawn", "spawn", "one pool of N workers, StartMode.SPAWN: N Python processes started at once,"
                + " each importing the module"),
        SERIAL("spawn_one_at_a_time", "spawn 1-by-1", "N pools of 1 spawned worker, started one after another,"
                + " each start returning (its worker ready) before the next begins");

        final String key;
        final String label;
        final String description;

        Way(String key, String label, String description) {
            this.key = key;
            this.label = label;
            this.description = description;
        }
    }

    /** Rounds, the module, the numbers of workers (always with 1: the reference). */
    record Settings(int rounds, boolean quick, String module, List<Integer> workers) {
        static Settings of(boolean quick, String module, List<Integer> workers) {
            TreeSet<Integer> counts = new TreeSet<>(workers == null || workers.isEmpty() ? DEFAULT_WORKERS : workers);
            counts.add(1);
            return new Settings(quick ? 1 : 3, quick, module == null || module.isBlank() ? StartModes.DEFAULT_MODULE
                    : module, List.copyOf(counts));
        }

        int targetWorkers() {
            return workers.contains(TARGET_WORKERS) ? TARGET_WORKERS : workers.get(workers.size() - 1);
        }
    }

    /**
     * Runs the benchmark and prints its report to {@code out} (JSON when {@code json}); writes
     * {@code startup.png} into {@code plotDir} unless it is null. {@code quick} (or
     * {@code TAIPAN_BENCH_QUICK=1}) runs one round instead of 3. Progress goes to stderr.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, Path plotDir, boolean quick, String module,
                          List<Integer> workers, PrintStream out) {
        if (!BenchReports.canRun("startup", python, out)) {
            return 1;
        }
        Settings settings = Settings.of(BenchReports.quick(quick), module, workers);
        return BenchReports.runAndPrint("startup", () -> new Runner(python, settings, System.err).run(), json,
                plotDir, out);
    }

    /**
     * {@code "1,4,8"} -> [1, 4, 8] (sorted, distinct); an {@link IllegalArgumentException} unless
     * each is 1..64, its message fit to follow {@code "--workers: "}.
     */
    public static List<Integer> parseWorkers(String list) {
        return StartModes.parseCounts(list);
    }

    // ------------------------------------------------------------------ measuring

    /** One timed start: seconds until all {@code workers} were ready, and how many were forked. */
    record Start(double seconds, int workers, int forked, String python) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seconds", OverheadBenchmark.round3(seconds));
            m.put("forked_workers", forked);
            return m;
        }
    }

    /** Starts N workers one way, times it, checks how they were made, and closes everything. */
    static Start measure(String python, String module, Way way, int n) {
        List<TaipanPool> pools = new ArrayList<>();
        try {
            long t0;
            long t1;
            if (way == Way.SERIAL) {
                t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    pools.add(TaipanPool.start(config(python, module, way, i, 1)));
                }
                t1 = System.nanoTime();
            } else {
                PoolConfig config = config(python, module, way, 0, n);
                t0 = System.nanoTime();
                pools.add(TaipanPool.start(config));
                t1 = System.nanoTime();
            }
            int forked = 0;
            int count = 0;
            for (TaipanPool pool : pools) {
                for (long pid : StartModes.workerPids(pool)) {
                    count++;
                    forked += StartModes.forked(pid) ? 1 : 0;
                }
            }
            if (count != n) {
                throw new IllegalStateException(way.label + " with " + n + " workers: " + count + " ready after start");
            }
            return new Start((t1 - t0) / 1e9, n, forked, StartModes.pythonVersion(pools.get(0)));
        } finally {
            StartModes.closeAndAwait(pools);
        }
    }

    private static PoolConfig config(String python, String module, Way way, int index, int workers) {
        StartMode mode = way == Way.ZYGOTE ? StartMode.ZYGOTE : StartMode.SPAWN;
        String name = "bench-startup-" + way.name().toLowerCase(Locale.ROOT) + (way == Way.SERIAL ? "-" + index : "");
        return StartModes.config(name, python, module, workers, mode).build();
    }

    // ------------------------------------------------------------------ the run

    /** Median, min and max of one way at one N, with its rounds. */
    record Summary(double medianSeconds, double minSeconds, double maxSeconds, List<Start> rounds) {
        static Summary of(List<Start> rounds) {
            List<Double> s = rounds.stream().map(Start::seconds).toList();
            return new Summary(Stats.median(s), Collections.min(s), Collections.max(s), List.copyOf(rounds));
        }

        boolean allForked() {
            return rounds.stream().allMatch(r -> r.forked == r.workers);
        }

        boolean noneForked() {
            return rounds.stream().allMatch(r -> r.forked == 0);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median_s", OverheadBenchmark.round3(medianSeconds));
            m.put("min_s", OverheadBenchmark.round3(minSeconds));
            m.put("max_s", OverheadBenchmark.round3(maxSeconds));
            m.put("rounds", rounds.stream().map(Start::toJson).toList());
            return m;
        }
    }

    /** One N: each way's summary (SERIAL absent at N = 1). */
    record Point(int workers, Map<Way, Summary> ways) {
        Summary get(Way way) {
            return ways.get(way);
        }

        /** {@code way} ÷ zygote, or NaN. */
        double overZygote(Way way) {
            Summary s = ways.get(way);
            return s == null ? Double.NaN : s.medianSeconds / ways.get(Way.ZYGOTE).medianSeconds;
        }
    }

    record Runner(String python, Settings settings, PrintStream progress) {

        static List<Way> ways(int n) {
            return n == 1 ? List.of(Way.ZYGOTE, Way.SPAWN) : List.of(Way.ZYGOTE, Way.SPAWN, Way.SERIAL);
        }

        Report run() {
            long t0 = System.nanoTime();
            double load0 = StartModes.loadAverage();
            progress.printf(Locale.ROOT, "warm-up (untimed): one spawned worker and one zygote with 1 worker,"
                    + " importing %s...%n", settings.module);
            Start warmSpawn = measure(python, settings.module, Way.SPAWN, 1);
            Start warmZygote = measure(python, settings.module, Way.ZYGOTE, 1);
            progress.printf(Locale.ROOT, "warm-up  spawn %.2f s, zygote %.2f s%n", warmSpawn.seconds, warmZygote.seconds);
            Map<Integer, Map<Way, List<Start>>> results = new TreeMap<>();
            for (int n : settings.workers) {
                Map<Way, List<Start>> byWay = new EnumMap<>(Way.class);
                ways(n).forEach(w -> byWay.put(w, new ArrayList<>()));
                results.put(n, byWay);
            }
            for (int r = 0; r < settings.rounds; r++) {
                for (int i = 0; i < settings.workers.size(); i++) {
                    int n = settings.workers.get(i);
                    List<Way> order = new ArrayList<>(ways(n));
                    // Rotate the order from round to round and from N to N, so that drift and
                    // noise on the machine hit every way alike.
                    Collections.rotate(order, -((r + i) % order.size()));
                    for (Way way : order) {
                        Start s = measure(python, settings.module, way, n);
                        results.get(n).get(way).add(s);
                        progress.printf(Locale.ROOT, "round %d/%d  N=%-2d %-13s %7.2f s  (%d of %d forked)  load %.1f%n",
                                r + 1, settings.rounds, n, way.label, s.seconds, s.forked, s.workers,
                                StartModes.loadAverage());
                    }
                }
            }
            List<Point> points = new ArrayList<>();
            for (Map.Entry<Integer, Map<Way, List<Start>>> e : results.entrySet()) {
                Map<Way, Summary> ways = new EnumMap<>(Way.class);
                e.getValue().forEach((w, starts) -> ways.put(w, Summary.of(starts)));
                points.add(new Point(e.getKey(), ways));
            }
            return new Report(Machine.describe(warmSpawn.python), settings, points, load0,
                    StartModes.loadAverage(), (System.nanoTime() - t0) / 1e9);
        }
    }

    // ------------------------------------------------------------------ the report

    record Report(Machine machine, Settings settings, List<Point> points, double loadStart,
                  double loadEnd, double totalSeconds) implements BenchReports.Report {
        Point point(int n) {
            return points.stream().filter(p -> p.workers == n).findFirst().orElseThrow();
        }

        /** The cold start of one spawned worker: spawn at N = 1. */
        double referenceSeconds() {
            return point(1).get(Way.SPAWN).medianSeconds;
        }

        /** Zygote at N = 8 (or the largest N) ÷ one spawned worker. */
        double targetRatio() {
            return point(settings.targetWorkers()).get(Way.ZYGOTE).medianSeconds / referenceSeconds();
        }

        boolean targetMet() {
            return targetRatio() <= TARGET_RATIO;
        }

        boolean zygoteAllForked() {
            return points.stream().allMatch(p -> p.get(Way.ZYGOTE).allForked());
        }

        boolean spawnNoneForked() {
            return points.stream().allMatch(p -> p.ways.entrySet().stream()
                    .filter(e -> e.getKey() != Way.ZYGOTE).allMatch(e -> e.getValue().noneForked()));
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", "startup");
            m.put("machine", machine.toJson());
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("module", settings.module);
            setup.put("workers", settings.workers);
            setup.put("timed", "System.nanoTime() around TaipanPool.start (lazyStart off): returns when every worker"
                    + " is ready (connected, authenticated, module imported, hello sent); close not timed, every"
                    + " process gone before the next start");
            Map<String, Object> ways = new LinkedHashMap<>();
            for (Way w : Way.values()) {
                ways.put(w.key, w.description);
            }
            setup.put("ways", ways);
            setup.put("warmup", "one spawned worker and one zygote with 1 worker, untimed");
            setup.put("order", "every way once per N and round, the order rotating from round to round and N to N;"
                    + " spawn one at a time not run at N=1 (same as spawn)");
            setup.put("rounds", settings.rounds);
            setup.put("quick", settings.quick);
            m.put("setup", setup);
            List<Map<String, Object>> ps = new ArrayList<>();
            for (Point p : points) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("workers", p.workers);
                for (Way w : Way.values()) {
                    Summary s = p.get(w);
                    e.put(w.key, s == null ? null : s.toJson());
                }
                Map<String, Object> ratios = new LinkedHashMap<>();
                ratios.put("spawn", ratio(p.overZygote(Way.SPAWN)));
                ratios.put("spawn_one_at_a_time", ratio(p.overZygote(Way.SERIAL)));
                e.put("over_zygote", ratios);
                ps.add(e);
            }
            m.put("points", ps);
            m.put("reference_spawn_one_worker_s", OverheadBenchmark.round3(referenceSeconds()));
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("what", "zygote with " + settings.targetWorkers() + " workers / one spawned worker");
            target.put("max_ratio", TARGET_RATIO);
            target.put("ratio", OverheadBenchmark.round3(targetRatio()));
            target.put("met", targetMet());
            m.put("target", target);
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("zygote_workers_all_forked", zygoteAllForked());
            check.put("spawned_workers_none_forked", spawnNoneForked());
            StartModes.putRunFacts(m, check, loadStart, loadEnd, totalSeconds);
            return m;
        }

        private static Object ratio(double r) {
            return Double.isNaN(r) ? null : OverheadBenchmark.round3(r);
        }

        public void printTable(PrintStream out) {
            out.println("taipan bench startup: time until N workers are ready (TaipanPool.start, lazyStart off)");
            StartModes.printMachine(out, machine, loadStart, loadEnd, settings.module);
            for (Way w : Way.values()) {
                out.printf(Locale.ROOT, "%-13s: %s%n", w.label, w.description);
            }
            out.printf(Locale.ROOT, "method  : untimed warm-up, then %d round%s; every way once per N and round,"
                    + " rotating order; medians across rounds%s%n", settings.rounds, settings.rounds == 1 ? "" : "s",
                    settings.quick ? " (QUICK run)" : "");
            out.println();
            out.printf(Locale.ROOT, "%7s %11s %11s %16s %14s %14s%n", "workers", "zygote (s)", "spawn (s)",
                    "spawn 1-by-1 (s)", "spawn/zygote", "1-by-1/zygote");
            for (Point p : points) {
                Summary serial = p.get(Way.SERIAL);
                out.printf(Locale.ROOT, "%7d %11.2f %11.2f %16s %14s %14s%n", p.workers,
                        p.get(Way.ZYGOTE).medianSeconds, p.get(Way.SPAWN).medianSeconds,
                        serial == null ? "(= spawn)" : String.format(Locale.ROOT, "%.2f", serial.medianSeconds),
                        OverheadBenchmark.times(p.overZygote(Way.SPAWN)),
                        serial == null ? "" : OverheadBenchmark.times(p.overZygote(Way.SERIAL)));
            }
            out.println();
            out.printf(Locale.ROOT, "reference: cold start of one spawned worker (spawn, N=1): %.2f s%n",
                    referenceSeconds());
            out.printf(Locale.ROOT, "target (zygote N=%d / spawn N=1 <= %.1fx): %s (%s)%n", settings.targetWorkers(),
                    TARGET_RATIO, targetMet() ? "met" : "NOT met", OverheadBenchmark.times(targetRatio()));
            if (!zygoteAllForked()) {
                out.println("WARNING: some zygote-mode workers were not forked (the pool fell back to spawning):"
                        + " the zygote figures are not zygote starts");
            }
            if (!spawnNoneForked()) {
                out.println("WARNING: some spawn-mode workers were forked: the spawn figures are not spawns");
            }
            out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
        }

        /** {@code startup.png}: seconds per N and way. */
        @Override
        public List<Path> writeCharts(Path dir) throws IOException {
            Charts.Bar bar = Charts.bar("Time until N workers are ready, " + settings.module + ", median of "
                            + settings.rounds + (settings.quick ? " (QUICK run)" : ""), "workers (N)", "seconds")
                    .categories(points.stream().map(p -> "N=" + p.workers).toList());
            for (Way w : Way.values()) {
                bar.series(w.label, points.stream().map(p -> p.get(w) == null ? null : p.get(w).medianSeconds)
                        .toList());
            }
            return List.of(bar.save(dir.resolve("startup.png")));
        }
    }
}
