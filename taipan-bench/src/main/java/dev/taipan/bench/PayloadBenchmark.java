package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code taipan bench payload}: round trips of a {@code byte[]} of 100 B, 10 kB, 1 MB and
 * 10 MB (decimal units) echoed back by Python, through the pool and through Py4J, one caller.
 *
 * <p><b>Pool:</b> one worker, {@code pool.call("echo", bytes)} (the built-in {@code echo}: the
 * array travels as MessagePack {@code bin} both ways and comes back as a {@code byte[]}),
 * {@code maxFrameBytes} 64 MiB.
 *
 * <p><b>Py4J</b> ({@link Py4jPeer}): {@code echo(bytes)} on the proxy of the Python object;
 * Py4J passes a {@code byte[]} by value, base64-encoded in its text protocol, Python gets
 * {@code bytes} and its return value comes back the same way as a {@code byte[]}.
 *
 * <p><b>Figures:</b> per size and side, p50 and p99 of the round trip and MB/s = payload bytes
 * (counted once, not once per direction) × calls ÷ seconds, 1 MB = 10^6 bytes. The payload is
 * random bytes, the same array for every call; every echoed result's length is checked, its
 * content before timing. <b>Method:</b> per size, a warm-up of both sides, then rounds in
 * which the two sides alternate which goes first; figures are medians across rounds, ratios are
 * Py4J ÷ pool. {@code TAIPAN_BENCH_QUICK=1} runs a shorter version.
 */
public final class PayloadBenchmark {
    static final int[] SIZES = {100, 10_000, 1_000_000, 10_000_000};
    static final int MAX_FRAME = 64 * 1024 * 1024;
    static final String FUNCTION = "echo";
    /** Warm-up per size and side: at least this long and this many calls. */
    static final long MIN_WARMUP_CALLS = 5;
    /** From this size on a round lasts {@code largeRoundMillis}: a 10 MB call through Py4J takes most of a second. */
    static final int LARGE = 10_000_000;

    private PayloadBenchmark() {
    }

    /** Rounds, their length and the warm-up. */
    record Settings(int rounds, long roundMillis, long largeRoundMillis, long warmupMillis, boolean quick) {
        static Settings fromEnvironment() {
            boolean quick = "1".equals(System.getenv("TAIPAN_BENCH_QUICK"));
            return quick ? new Settings(3, 500, 1_200, 300, true) : new Settings(5, 2_000, 5_000, 1_000, false);
        }

        long roundMillis(int bytes) {
            return bytes >= LARGE ? largeRoundMillis : roundMillis;
        }
    }

    /**
     * Runs the benchmark with the given Python executable and prints its report to {@code out}
     * (as JSON when {@code json} is true); writes PNG charts into {@code plotDir} unless it is
     * null ({@code payload-throughput.png}, {@code payload-p50.png}). Progress goes to stderr.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, Path plotDir, PrintStream out) {
        if (!BenchReports.canRun("payload", python, out)) {
            return 1;
        }
        return BenchReports.runAndPrint("payload",
                () -> new Runner(python, Settings.fromEnvironment(), System.err).run(), json, plotDir, out);
    }

    // ------------------------------------------------------------------ measuring

    /** Echoes a byte array synchronously. */
    interface Echo {
        Object echo(byte[] data) throws Exception;
    }

    /** One round of one side at one size. */
    record Round(long calls, double seconds, double p50Us, double p99Us, double callsPerSecond, double mbPerSecond) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("calls", calls);
            m.put("seconds", OverheadBenchmark.round3(seconds));
            m.put("p50_us", OverheadBenchmark.round1(p50Us));
            m.put("p99_us", OverheadBenchmark.round1(p99Us));
            m.put("calls_per_s", OverheadBenchmark.round1(callsPerSecond));
            m.put("mb_per_s", OverheadBenchmark.round3(mbPerSecond));
            return m;
        }
    }

    static Round measure(Echo side, byte[] payload, long millis) throws Exception {
        ClosedLoop.Result r = ClosedLoop.run(1, millis, "bench-payload-caller", 120_000, (caller, n) -> {
            Object back = side.echo(payload);
            if (!(back instanceof byte[] b) || b.length != payload.length) {
                throw new IllegalStateException("echo of " + payload.length + " bytes returned "
                        + (back instanceof byte[] b2 ? b2.length + " bytes" : String.valueOf(back)));
            }
        }, () -> { });
        double cps = r.callsPerSecond();
        return new Round(r.calls(), r.seconds(), r.percentile(0.50) / 1e3, r.percentile(0.99) / 1e3, cps,
                cps * payload.length / 1e6);
    }

    /** Median figures of one side at one size, with its rounds. */
    record Summary(double p50Us, double p99Us, double callsPerSecond, double mbPerSecond, List<Round> rounds) {
        static Summary of(List<Round> rounds) {
            return new Summary(
                    Stats.median(rounds, Round::p50Us),
                    Stats.median(rounds, Round::p99Us),
                    Stats.median(rounds, Round::callsPerSecond),
                    Stats.median(rounds, Round::mbPerSecond),
                    List.copyOf(rounds));
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50_us", OverheadBenchmark.round1(p50Us));
            m.put("p99_us", OverheadBenchmark.round1(p99Us));
            m.put("calls_per_s", OverheadBenchmark.round1(callsPerSecond));
            m.put("mb_per_s", OverheadBenchmark.round3(mbPerSecond));
            m.put("rounds", rounds.stream().map(Round::toJson).toList());
            return m;
        }
    }

    /** One payload size: the pool's figures and Py4J's. */
    record Point(int bytes, Summary pool, Summary py4j) {
        double p50Ratio() {
            return py4j.p50Us / pool.p50Us;
        }

        double throughputRatio() {
            return py4j.mbPerSecond / pool.mbPerSecond;
        }
    }

    static String size(int bytes) {
        if (bytes >= 1_000_000) {
            return bytes / 1_000_000 + " MB";
        }
        if (bytes >= 1_000) {
            return bytes / 1_000 + " kB";
        }
        return bytes + " B";
    }

    record Runner(String python, Settings settings, PrintStream progress) {

        Report run() throws Exception {
            long t0 = System.nanoTime();
            progress.println("starting the pool (1 worker) and the Py4J peer...");
            try (TaipanPool pool = TaipanPool.start(PoolConfig.builder()
                    .name("bench-payload")
                    .python(python)
                    .workers(1)
                    .slots(4)
                    .maxFrameBytes(MAX_FRAME)
                    .build());
                 Py4jPeer py4j = OverheadBenchmark.Runner.startPy4j(python)) {
                Echo poolSide = data -> pool.call(FUNCTION, data);
                Echo py4jSide = py4j::echo;
                List<String> names = List.of("pool", "py4j");
                List<Echo> sides = List.of(poolSide, py4jSide);
                Random random = new Random(42);
                List<Point> points = new ArrayList<>();
                Map<Integer, List<List<Round>>> rounds = new LinkedHashMap<>();
                Map<Integer, byte[]> payloads = new LinkedHashMap<>();
                for (int bytes : SIZES) {
                    byte[] payload = new byte[bytes];
                    random.nextBytes(payload);
                    payloads.put(bytes, payload);
                    for (int k = 0; k < sides.size(); k++) {
                        Object back = sides.get(k).echo(payload);
                        if (!(back instanceof byte[] b) || !Arrays.equals(b, payload)) {
                            throw new IllegalStateException(names.get(k) + " did not echo " + size(bytes) + " intact");
                        }
                        long calls = 0;
                        while (calls < MIN_WARMUP_CALLS) {
                            calls += measure(sides.get(k), payload, settings.warmupMillis).calls();
                        }
                        progress.printf(Locale.ROOT, "warm-up  %6s  %-4s  %d calls%n", size(bytes), names.get(k), calls);
                    }
                    rounds.put(bytes, List.of(new ArrayList<>(), new ArrayList<>()));
                }
                for (int r = 0; r < settings.rounds; r++) {
                    for (int bytes : SIZES) {
                        for (int k = 0; k < 2; k++) {
                            // Alternate which side goes first: pool, py4j / py4j, pool / ...
                            int side = (k + r) % 2;
                            Round round = measure(sides.get(side), payloads.get(bytes), settings.roundMillis(bytes));
                            rounds.get(bytes).get(side).add(round);
                            progress.printf(Locale.ROOT,
                                    "round %d/%d  %6s  %-4s  p50 %10.1f us  p99 %10.1f us  %9.1f calls/s  %8.2f MB/s%n",
                                    r + 1, settings.rounds, size(bytes), names.get(side), round.p50Us(), round.p99Us(),
                                    round.callsPerSecond(), round.mbPerSecond());
                        }
                    }
                }
                for (int bytes : SIZES) {
                    points.add(new Point(bytes, Summary.of(rounds.get(bytes).get(0)),
                            Summary.of(rounds.get(bytes).get(1))));
                }
                String pythonVersion = StartModes.pythonVersion(pool);
                return new Report(Machine.describe(pythonVersion), settings, points,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    // ------------------------------------------------------------------ the report

    record Report(Machine machine, Settings settings, List<Point> points, double totalSeconds)
            implements BenchReports.Report {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", "payload");
            m.put("machine", machine.toJson());
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("pool", "1 worker, pool.call(\"echo\", byte[]), maxFrameBytes " + MAX_FRAME);
            setup.put("py4j", "Py4J " + Py4jPeer.VERSION + " ClientServer (TCP loopback with TCP_NODELAY): echo(byte[])"
                    + " on the proxy of a Python object (python -m " + Py4jPeer.MODULE + "); byte[] passed by value,"
                    + " base64 in Py4J's text protocol");
            setup.put("callers", 1);
            setup.put("payload", "random bytes, echoed back; MB/s = payload bytes x calls / s (counted once), 1 MB = 1e6 bytes");
            setup.put("sizes_bytes", Arrays.stream(SIZES).boxed().toList());
            setup.put("order", "alternating from round to round: pool, py4j / py4j, pool");
            setup.put("rounds", settings.rounds);
            setup.put("round_seconds", settings.roundMillis / 1000.0);
            setup.put("round_seconds_" + LARGE + "_bytes", settings.largeRoundMillis / 1000.0);
            setup.put("warmup_seconds_min", settings.warmupMillis / 1000.0);
            setup.put("warmup_calls_min", MIN_WARMUP_CALLS);
            setup.put("quick", settings.quick);
            m.put("setup", setup);
            List<Map<String, Object>> ps = new ArrayList<>();
            for (Point p : points) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("bytes", p.bytes);
                e.put("pool", p.pool.toJson());
                e.put("py4j", p.py4j.toJson());
                Map<String, Object> ratio = new LinkedHashMap<>();
                ratio.put("p50", OverheadBenchmark.round3(p.p50Ratio()));
                ratio.put("p99", OverheadBenchmark.round3(p.py4j.p99Us / p.pool.p99Us));
                ratio.put("mb_per_s", OverheadBenchmark.round3(p.throughputRatio()));
                e.put("py4j_over_pool", ratio);
                ps.add(e);
            }
            m.put("points", ps);
            m.put("total_seconds", OverheadBenchmark.round1(totalSeconds));
            return m;
        }

        public void printTable(PrintStream out) {
            out.println("taipan bench payload: byte[] echoed back by Python, Taipan pool vs. Py4J, 1 caller");
            machine.printHeader(out);
            out.printf(Locale.ROOT, "pool    : 1 worker, sync pool.call(\"echo\", byte[]) (MessagePack bin both ways)%n");
            out.printf(Locale.ROOT, "py4j    : Py4J %s ClientServer (TCP_NODELAY), echo(byte[]) on a Python object's"
                    + " proxy (byte[] by value, base64 on the wire)%n", Py4jPeer.VERSION);
            out.printf(Locale.ROOT, "method  : warm-up, then %d rounds of %.1f s (%s: %.1f s) per side and size,"
                    + " alternating which side goes first; medians across rounds; MB/s counts the payload once,"
                    + " 1 MB = 10^6 bytes%s%n", settings.rounds, settings.roundMillis / 1000.0, size(LARGE),
                    settings.largeRoundMillis / 1000.0, settings.quick ? " (QUICK run)" : "");
            out.println();
            out.printf(Locale.ROOT, "%-7s %-10s %11s %11s %10s %10s%n", "size", "", "p50 (ms)", "p99 (ms)", "calls/s",
                    "MB/s");
            for (Point p : points) {
                row(out, size(p.bytes), "pool", p.pool);
                row(out, "", "py4j", p.py4j);
                out.printf(Locale.ROOT, "%-7s %-10s %11s %11s %10s %10s%n", "", "py4j/pool",
                        OverheadBenchmark.ratioCell(p.p50Ratio()), OverheadBenchmark.ratioCell(p.py4j.p99Us / p.pool.p99Us),
                        "", OverheadBenchmark.ratioCell(p.throughputRatio()));
            }
            out.println();
            for (Point p : points) {
                out.printf(Locale.ROOT, "%6s: Py4J / Taipan p50 = %s, Taipan MB/s = %s Py4J's%n", size(p.bytes),
                        OverheadBenchmark.times(p.p50Ratio()), OverheadBenchmark.times(1 / p.throughputRatio()));
            }
            out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
        }

        private static void row(PrintStream out, String size, String name, Summary s) {
            out.printf(Locale.ROOT, "%-7s %-10s %11.3f %11.3f %10.1f %10.2f%n", size, name, s.p50Us / 1e3,
                    s.p99Us / 1e3, s.callsPerSecond, s.mbPerSecond);
        }

        /** {@code payload-throughput.png} (MB/s) and {@code payload-p50.png}, by size, log scale. */
        @Override
        public List<Path> writeCharts(Path dir) throws IOException {
            List<String> sizes = points.stream().map(p -> size(p.bytes)).toList();
            String subtitle = settings.quick ? " (QUICK run)" : "";
            Path tput = Charts.bar("byte[] echo round trip, throughput (median of " + settings.rounds + " rounds)"
                            + subtitle, "payload size", "MB/s (log scale)").logY().categories(sizes)
                    .series("Taipan pool", points.stream().map(p -> p.pool.mbPerSecond).toList())
                    .series("Py4J", points.stream().map(p -> p.py4j.mbPerSecond).toList())
                    .save(dir.resolve("payload-throughput.png"));
            Path p50 = Charts.bar("byte[] echo round trip, p50 latency (median of " + settings.rounds + " rounds)"
                            + subtitle, "payload size", "p50 (ms, log scale)").logY().categories(sizes)
                    .series("Taipan pool", points.stream().map(p -> p.pool.p50Us / 1e3).toList())
                    .series("Py4J", points.stream().map(p -> p.py4j.p50Us / 1e3).toList())
                    .save(dir.resolve("payload-p50.png"));
            return List.of(tput, p50);
        }
    }
}
