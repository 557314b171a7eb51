package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * {@code taipan bench overhead}: the latency (p50/p99) and throughput of a no-op call through
 * a {@link TaipanPool}, next to a floor and to peers measured in the same run.
 *
 * <p><b>Pool:</b> one worker ({@code workers=1}, {@code slots=16}), the built-in {@code echo}
 * called with {@code [1]}, synchronous {@code pool.call} from 1 and from 16 caller threads.
 *
 * <p><b>Floor</b> ({@link FloorPeer}): {@code python -m taipan_testing.floor}, a blocking single-threaded Python loop
 * that answers every frame with a {@code result} carrying the call's args: one Python process,
 * the same framing and codec ({@link FrameCodec}, {@link Messages#call}, the same call frame
 * bytes as the pool sends) over the same transport (a Unix socket). With 1 caller the floor
 * client writes then reads on the caller's thread; with 16 callers it is a minimal
 * multiplexer: writes under a lock, one reader thread completing per-id futures. Each
 * scenario has its own floor process (one connection each); only one is busy at a time.
 *
 * <p><b>Peers</b> (other ways to call Python from Java, {@link Peer}):
 * <ul>
 *   <li><b>Py4J</b> ({@link Py4jPeer}): a Python object implementing a Java interface, exposed
 *       as the Python server entry point of a Py4J {@code ClientServer}; the caller threads call
 *       {@code echo(1)} on the proxy (one Python process, one connection and Python thread per
 *       Java thread);</li>
 *   <li><b>ProcessBuilder per call</b> ({@link ProcessPerCallPeer}): every call starts
 *       {@code python -c ...} that prints its argument, reads its output and waits for it to
 *       exit.</li>
 * </ul>
 *
 * <p><b>Method:</b> warm-up of each target in each scenario, then rounds in which every target
 * runs once per scenario, the order rotating from round to round (pool, floor, py4j, process;
 * floor, py4j, process, pool; ...) so that noise on the machine hits every side alike; each
 * figure is the median across rounds of that round's p50, p99 and calls/s.
 * {@code TAIPAN_BENCH_QUICK=1} runs a shorter version.
 *
 * <p><b>Observability</b> ({@code --observe}, {@link ObservabilityOverhead}): pools like the
 * pool with metrics and with metrics + tracing join the same rounds; the report
 * ({@link OverheadReport}) compares them with the plain pool ("off").
 */
public final class OverheadBenchmark {
    static final String FUNCTION = "echo";
    static final List<Object> ARGS = List.of(1);
    static final int[] CALLERS = {1, 16};
    static final int WORKERS = 1;
    static final int SLOTS = 16;
    static final double TARGET_P50_RATIO = 1.3;
    static final long MIN_WARMUP_CALLS = 2_000;
    /** A process per call takes tens of ms: its warm-up is by time, with at least this many calls per caller. */
    static final long MIN_WARMUP_CALLS_PROCESS = 3;

    private OverheadBenchmark() {
    }

    /** The peers compared with the pool besides the floor ({@code --peers py4j,process}). */
    public enum Peer {
        PY4J("py4j", "py4j", "Py4J"),
        PROCESS("process_per_call", "process/call", "ProcessBuilder per call");

        final String key;
        final String shortName;
        final String label;

        Peer(String key, String shortName, String label) {
            this.key = key;
            this.shortName = shortName;
            this.label = label;
        }

        /**
         * {@code "py4j,process"} (the default, also {@code "all"}), a subset, or {@code "none"}
         * (pool and floor only).
         */
        public static Set<Peer> parse(String list) {
            if (list == null || list.isBlank() || list.strip().equalsIgnoreCase("all")) {
                return EnumSet.allOf(Peer.class);
            }
            Set<Peer> peers = EnumSet.noneOf(Peer.class);
            for (String s : list.split(",")) {
                String name = s.strip().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "py4j" -> peers.add(PY4J);
                    case "process", "process_per_call" -> peers.add(PROCESS);
                    case "none", "" -> { }
                    default -> throw new IllegalArgumentException("unknown peer '" + s.strip()
                            + "' (expected py4j, process, all or none)");
                }
            }
            return peers;
        }
    }

    /** Rounds, their length and the warm-up. */
    record Settings(int rounds, long roundMillis, long warmupMillis, boolean quick) {
        static Settings fromEnvironment() {
            boolean quick = "1".equals(System.getenv("TAIPAN_BENCH_QUICK"));
            return quick ? new Settings(3, 800, 400, true) : new Settings(5, 3_000, 1_000, false);
        }
    }

    /**
     * Runs the benchmark with the given Python executable and prints its report to
     * {@code out} (as JSON when {@code json} is true), with every peer. Progress goes to stderr.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, PrintStream out) {
        return run(python, json, null, EnumSet.allOf(Peer.class), out);
    }

    /**
     * As {@link #run(String, boolean, PrintStream)}, with the given peers, and PNG charts
     * written into {@code plotDir} unless it is null ({@code overhead-p50.png},
     * {@code overhead-throughput.png}).
     */
    public static int run(String python, boolean json, Path plotDir, Set<Peer> peers, PrintStream out) {
        return run(python, json, plotDir, peers, EnumSet.noneOf(ObservabilityOverhead.Level.class), out);
    }

    /**
     * As {@link #run(String, boolean, Path, Set, PrintStream)}, with a pool per observability
     * level in the same rounds ({@link ObservabilityOverhead}; none: as before).
     */
    public static int run(String python, boolean json, Path plotDir, Set<Peer> peers,
                          Set<ObservabilityOverhead.Level> observe, PrintStream out) {
        if (!BenchReports.canRun("overhead", python, out)) {
            return 1;
        }
        Set<Peer> chosen = peers == null || peers.isEmpty() ? EnumSet.noneOf(Peer.class) : EnumSet.copyOf(peers);
        Set<ObservabilityOverhead.Level> levels = observe == null || observe.isEmpty()
                ? EnumSet.noneOf(ObservabilityOverhead.Level.class) : EnumSet.copyOf(observe);
        return BenchReports.runAndPrint("overhead",
                () -> new Runner(python, Settings.fromEnvironment(), chosen, levels, System.err).run(), json, plotDir, out);
    }

    // ------------------------------------------------------------------ targets

    /** Something that runs one no-op call synchronously. */
    interface Target {
        Object call(Object args) throws Exception;
    }

    // ------------------------------------------------------------------ measuring

    /** One round of one target in one scenario. */
    record Round(long calls, double seconds, double p50Us, double p99Us, double callsPerSecond) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("calls", calls);
            m.put("seconds", round3(seconds));
            m.put("p50_us", round1(p50Us));
            m.put("p99_us", round1(p99Us));
            m.put("calls_per_s", Math.round(callsPerSecond));
            return m;
        }
    }

    /** Runs {@code callers} threads calling {@code target} back to back for {@code millis}. */
    static Round measure(Target target, int callers, long millis) throws Exception {
        ClosedLoop.Result r = ClosedLoop.run(callers, millis, "bench-caller", 30_000,
                (caller, n) -> target.call(ARGS), () -> { });
        return new Round(r.calls(), r.seconds(), r.percentile(0.50) / 1e3, r.percentile(0.99) / 1e3,
                r.callsPerSecond());
    }

    // ------------------------------------------------------------------ the run

    /** Median figures of one target in one scenario, with its rounds. */
    record Summary(double p50Us, double p99Us, double callsPerSecond, List<Round> rounds) {
        static Summary of(List<Round> rounds) {
            return new Summary(
                    Stats.median(rounds, Round::p50Us),
                    Stats.median(rounds, Round::p99Us),
                    Stats.median(rounds, Round::callsPerSecond),
                    List.copyOf(rounds));
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_us", round1(p50Us));
            m.put("p99_us", round1(p99Us));
            m.put("calls_per_s", Math.round(callsPerSecond));
            m.put("rounds", rounds.stream().map(Round::toJson).toList());
            return m;
        }
    }

    /** {@code a / b} of p50, p99 and calls/s. */
    record Ratio(double p50, double p99, double callsPerSecond) {
        static Ratio of(Summary a, Summary b) {
            return new Ratio(a.p50Us / b.p50Us, a.p99Us / b.p99Us, a.callsPerSecond / b.callsPerSecond);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50", round3(p50));
            m.put("p99", round3(p99));
            m.put("calls_per_s", round3(callsPerSecond));
            return m;
        }
    }

    /** One scenario's figures: the pool, the floor and the peers that ran (in {@link Peer} order). */
    record Scenario(int callers, Summary pool, Summary floor, Map<Peer, Summary> peers) {
        Scenario(int callers, Summary pool, Summary floor) {
            this(callers, pool, floor, Map.of());
        }

        double p50Ratio() {
            return pool.p50Us / floor.p50Us;
        }

        double p99Ratio() {
            return pool.p99Us / floor.p99Us;
        }

        double throughputRatio() {
            return pool.callsPerSecond / floor.callsPerSecond;
        }

        boolean targetMet() {
            return p50Ratio() <= TARGET_P50_RATIO;
        }

        /** The peer's figures over the pool's ({@code py4j / pool}). */
        Ratio overPool(Peer peer) {
            return Ratio.of(peers.get(peer), pool);
        }
    }

    /** A side of the comparison: its name, its target per number of callers, its warm-up. */
    record Contender(String key, String shortName, Map<Integer, Target> byCallers, long minWarmupCallsPerCaller) {
    }

    record Runner(String python, Settings settings, Set<Peer> peers, Set<ObservabilityOverhead.Level> observe,
                  PrintStream progress) {

        OverheadReport run() throws Exception {
            long t0 = System.nanoTime();
            Path dir = createPrivateTempDir();
            List<Process> children = new CopyOnWriteArrayList<>();
            TaipanPool pool = null;
            Py4jPeer py4j = null;
            ObservabilityOverhead observed = null;
            Thread hook = new Thread(() -> children.forEach(PeerProcesses::kill), "bench-peer-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            List<FloorPeer> floors = new ArrayList<>();
            try {
                progress.printf(Locale.ROOT, "starting the pool (%d worker, %d slots), the floor%s...%n", WORKERS, SLOTS,
                        peers.contains(Peer.PY4J) ? " and the Py4J peer" : "");
                pool = TaipanPool.start(PoolConfig.builder()
                        .name("bench")
                        .python(python)
                        .workers(WORKERS)
                        .slots(SLOTS)
                        .build());
                TaipanPool p = pool;
                Target poolTarget = args -> p.call(FUNCTION, args);
                FloorPeer direct = FloorPeer.start(python, dir, "floor-1", Duration.ofSeconds(30));
                floors.add(direct);
                children.add(direct.process);
                FloorPeer muxed = FloorPeer.start(python, dir, "floor-n", Duration.ofSeconds(30));
                floors.add(muxed);
                children.add(muxed.process);
                Target floor1 = new FloorPeer.Direct(direct);
                FloorPeer.Muxed floorN = new FloorPeer.Muxed(muxed);

                // Sanity: every side answers the call as expected before anything is timed.
                check(poolTarget.call(ARGS), 1L, "pool echo");
                check(floor1.call(ARGS), List.of(1L), "floor echo");
                check(floorN.call(ARGS), List.of(1L), "floor echo (multiplexed)");

                List<Contender> contenders = new ArrayList<>();
                contenders.add(new Contender("pool", "pool", byCallers(poolTarget, poolTarget), MIN_WARMUP_CALLS));
                contenders.add(new Contender("floor", "floor", byCallers(floor1, floorN), MIN_WARMUP_CALLS));
                if (peers.contains(Peer.PY4J)) {
                    py4j = startPy4j(python);
                    children.add(py4j.process());
                    Py4jPeer peer = py4j;
                    // The same argument as the pool's call: the int 1 (the pool passes it as [1]).
                    Target t = args -> peer.echo(1);
                    check(t.call(ARGS), 1, "Py4J echo");
                    contenders.add(new Contender(Peer.PY4J.key, Peer.PY4J.shortName, byCallers(t, t), MIN_WARMUP_CALLS));
                }
                if (peers.contains(Peer.PROCESS)) {
                    ProcessPerCallPeer peer = new ProcessPerCallPeer(python);
                    Target t = args -> peer.echo("1");
                    check(t.call(ARGS), "1", "ProcessBuilder-per-call echo");
                    contenders.add(new Contender(Peer.PROCESS.key, Peer.PROCESS.shortName, byCallers(t, t),
                            MIN_WARMUP_CALLS_PROCESS));
                }

                if (!observe.isEmpty()) {
                    progress.printf(Locale.ROOT, "starting the observed pools (%s)...%n", observe.stream()
                            .map(l -> l.shortName).reduce((a, b) -> a + ", " + b).orElse(""));
                    observed = ObservabilityOverhead.start(python, observe);
                    contenders.addAll(observed.contenders());
                }

                for (int callers : CALLERS) {
                    for (Contender c : contenders) {
                        warmUp(c, callers);
                    }
                }
                Map<String, Map<Integer, List<Round>>> rounds = new LinkedHashMap<>();
                for (Contender c : contenders) {
                    Map<Integer, List<Round>> m = new LinkedHashMap<>();
                    for (int callers : CALLERS) {
                        m.put(callers, new ArrayList<>());
                    }
                    rounds.put(c.key(), m);
                }
                int n = contenders.size();
                for (int r = 0; r < settings.rounds; r++) {
                    for (int callers : CALLERS) {
                        // Rotate which side goes first so that drift favours none (with two sides:
                        // pool, floor / floor, pool / ...).
                        for (int k = 0; k < n; k++) {
                            Contender c = contenders.get((k + r) % n);
                            Round round = measure(c.byCallers().get(callers), callers, settings.roundMillis);
                            rounds.get(c.key()).get(callers).add(round);
                            progress.printf(Locale.ROOT,
                                    "round %d/%d  %2d caller%s  %-12s  p50 %9.1f us  p99 %9.1f us  %8.0f calls/s%n",
                                    r + 1, settings.rounds, callers, callers == 1 ? " " : "s", c.shortName(),
                                    round.p50Us(), round.p99Us(), round.callsPerSecond());
                        }
                    }
                }
                List<Scenario> scenarios = new ArrayList<>();
                Map<Integer, Summary> off = new LinkedHashMap<>();
                for (int callers : CALLERS) {
                    Map<Peer, Summary> peerSummaries = new LinkedHashMap<>();
                    for (Peer peer : Peer.values()) {
                        if (rounds.containsKey(peer.key)) {
                            peerSummaries.put(peer, Summary.of(rounds.get(peer.key).get(callers)));
                        }
                    }
                    scenarios.add(new Scenario(callers, Summary.of(rounds.get("pool").get(callers)),
                            Summary.of(rounds.get("floor").get(callers)), peerSummaries));
                    off.put(callers, scenarios.get(scenarios.size() - 1).pool());
                }
                ObservabilityOverhead.Section observability = observed == null ? null : observed.summarize(off, rounds);
                String pythonVersion = pool.workers().stream().map(WorkerInfo::python).filter(Objects::nonNull)
                        .findFirst().orElse("unknown");
                floorN.close();
                return new OverheadReport(Machine.describe(pythonVersion), settings, scenarios, observability,
                        (System.nanoTime() - t0) / 1e9);
            } finally {
                if (pool != null) {
                    pool.close();
                }
                if (observed != null) {
                    observed.close();
                }
                if (py4j != null) {
                    py4j.close();
                }
                floors.forEach(FloorPeer::close);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // The JVM is already shutting down; the hook runs anyway.
                }
                deleteTree(dir);
            }
        }

        /** Starts the Py4J peer; a failure says how to install it or leave it out. */
        static Py4jPeer startPy4j(String python) throws IOException, InterruptedException {
            try {
                return Py4jPeer.start(python, Duration.ofSeconds(60));
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (the Py4J peer needs py4j in " + python
                        + ": pip install -e 'python/testing[bench]', which bin/taipan setup does; or leave it out with"
                        + " --peers)", e);
            }
        }

        private static Map<Integer, Target> byCallers(Target one, Target many) {
            Map<Integer, Target> m = new LinkedHashMap<>();
            for (int callers : CALLERS) {
                m.put(callers, callers == 1 ? one : many);
            }
            return m;
        }

        private void warmUp(Contender c, int callers) throws Exception {
            long calls = 0;
            long millis = settings.warmupMillis;
            while (calls < c.minWarmupCallsPerCaller() * callers) {
                calls += measure(c.byCallers().get(callers), callers, millis).calls();
            }
            progress.printf(Locale.ROOT, "warm-up   %2d caller%s  %-12s  %d calls%n", callers, callers == 1 ? " " : "s",
                    c.shortName(), calls);
        }

        private static void check(Object got, Object expected, String what) {
            if (!Objects.equals(got, expected)) {
                throw new IllegalStateException(what + " returned " + got + ", expected " + expected);
            }
        }
    }

    static Path createPrivateTempDir() throws IOException {
        Path parent = Path.of(System.getProperty("java.io.tmpdir"));
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return Files.createTempDirectory(parent, "taipan-bench-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return Files.createTempDirectory(parent, "taipan-bench-");
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort.
                }
            });
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    /** {@code 7.30x}, {@code 480x}. */
    static String times(double ratio) {
        return ratio >= 100 ? String.format(Locale.ROOT, "%.0fx", ratio) : String.format(Locale.ROOT, "%.2fx", ratio);
    }

    /** A ratio in a table: {@code 1.65x}, {@code 600x}, {@code 0.0016x}. */
    static String ratioCell(double ratio) {
        return ratio > 0 && ratio < 0.01 ? String.format(Locale.ROOT, "%.2gx", ratio) : times(ratio);
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
