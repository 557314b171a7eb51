package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import java.util.stream.Stream;

/**
 * {@code taipan bench overhead}: the latency (p50/p99) and throughput of a no-op call through
 * a {@link TaipanPool}, next to a floor measured in the same run.
 *
 * <p><b>Pool:</b> one worker ({@code workers=1}, {@code slots=16}), the built-in {@code echo}
 * called with {@code [1]}, synchronous {@code pool.call} from 1 and from 16 caller threads.
 *
 * <p><b>Floor:</b> {@code python -m taipan_worker.floor}, a blocking single-threaded Python loop
 * that answers every frame with a {@code result} carrying the call's args: one Python process,
 * the same framing and codec ({@link FrameCodec}, {@link Messages#call}, the same call frame
 * bytes as the pool sends) over the same transport (a Unix socket). With 1 caller the floor
 * client writes then reads on the caller's thread; with 16 callers it is a minimal
 * multiplexer: writes under a lock, one reader thread completing per-id futures. Each
 * scenario has its own floor process (one connection each); only one is busy at a time.
 *
 * <p><b>Method:</b> warm-up of each target in each scenario, then alternating rounds
 * (pool, floor, floor, pool, ...) so that noise on the machine hits both sides alike; each
 * figure is the median across rounds of that round's p50, p99 and calls/s.
 * {@code TAIPAN_BENCH_QUICK=1} runs a shorter version (about 15 s instead of about 70 s).
 */
public final class OverheadBenchmark {
    static final String FUNCTION = "echo";
    static final List<Object> ARGS = List.of(1);
    static final int[] CALLERS = {1, 16};
    static final int WORKERS = 1;
    static final int SLOTS = 16;
    static final double TARGET_P50_RATIO = 1.5;
    static final long CALL_TIMEOUT_MS = 60_000;
    static final int MAX_FRAME = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
    static final long MIN_WARMUP_CALLS = 2_000;

    private OverheadBenchmark() {
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
     * {@code out} (as JSON when {@code json} is true). Progress goes to stderr.
     *
     * @return the process exit code: 0 on success, 1 if the benchmark could not run
     */
    public static int run(String python, boolean json, PrintStream out) {
        Objects.requireNonNull(out, "out");
        if (python == null || python.isBlank()) {
            System.err.println("taipan bench overhead: no Python executable given");
            return 1;
        }
        return BenchReports.runAndPrint("overhead", () -> new OverheadBenchmark.Runner(python, Settings.fromEnvironment(), System.err).run(), json, out);
    }

    /**
     * {@code java -cp ... dev.taipan.bench.OverheadBenchmark [--json]}; Python from
     * {@code $TAIPAN_PYTHON_EXEC}, else {@code $TAIPAN_PYTHON}, else {@code $TAIPAN_HOME/.venv/bin/python} (or {@code ./.venv/bin/python}).
     */
    public static void main(String[] args) {
        boolean json = false;
        for (String a : args) {
            if (a.equals("--json")) {
                json = true;
            } else {
                System.err.println("usage: OverheadBenchmark [--json]   (Python from $TAIPAN_PYTHON_EXEC or $TAIPAN_PYTHON)");
                System.exit(2);
            }
        }
        String python = BenchReports.pythonForMain();
        System.exit(run(python, json, System.out));
    }

    // ------------------------------------------------------------------ targets

    /** Something that runs one no-op call synchronously. */
    interface Target {
        Object call(Object args) throws Exception;
    }

    /** The floor's process and its one connection. */
    static final class FloorProcess implements AutoCloseable {
        final Process process;
        final SocketChannel channel;
        final InputStream in;
        final Path stderr;

        private FloorProcess(Process process, SocketChannel channel, Path stderr) {
            this.process = process;
            this.channel = channel;
            // The same reading path as the pool's Connection: a 64 KiB buffer over the channel.
            this.in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
            this.stderr = stderr;
        }

        static FloorProcess start(String python, Path dir, String name, Duration timeout) throws IOException,
                InterruptedException {
            Path sock = dir.resolve(name + ".sock");
            Path err = dir.resolve(name + ".stderr");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(sock));
                server.configureBlocking(false);
                ProcessBuilder pb = new ProcessBuilder(python, "-m", "taipan_worker.floor", "--socket", sock.toString());
                pb.redirectInput(ProcessBuilder.Redirect.PIPE);
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.redirectError(err.toFile());
                Process p = pb.start();
                p.getOutputStream().close();
                long deadline = System.nanoTime() + timeout.toNanos();
                try {
                    while (true) {
                        SocketChannel ch = server.accept();
                        if (ch != null) {
                            ch.configureBlocking(true);
                            return new FloorProcess(p, ch, err);
                        }
                        if (!p.isAlive()) {
                            throw new IOException("the floor (" + String.join(" ", pb.command()) + ") exited with status "
                                    + p.exitValue() + " before connecting: " + tail(err));
                        }
                        if (System.nanoTime() > deadline) {
                            throw new IOException("the floor did not connect within " + timeout.toMillis() + " ms: "
                                    + tail(err));
                        }
                        Thread.sleep(5);
                    }
                } catch (IOException | InterruptedException | RuntimeException e) {
                    kill(p);
                    throw e;
                }
            } finally {
                Files.deleteIfExists(sock);
            }
        }

        void write(byte[] frame) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(frame);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        }

        /** Closes the connection (the floor exits at EOF), then makes sure the process is gone. */
        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closed either way.
            }
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    kill(process);
                }
            } catch (InterruptedException e) {
                kill(process);
                Thread.currentThread().interrupt();
            }
        }

        static void kill(Process p) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static String tail(Path file) {
            try {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                return s.isEmpty() ? "(no stderr)" : s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
            } catch (IOException e) {
                return "(stderr unreadable: " + e + ")";
            }
        }
    }

    static byte[] callFrame(long id, Object args) {
        // Exactly what the pool sends for pool.call("echo", [1]) with its default 60 s timeout.
        return FrameCodec.encode(Messages.call(id, FUNCTION, args, null, CALL_TIMEOUT_MS), MAX_FRAME);
    }

    /** 1 caller: write, then read the reply, on the caller's thread. */
    static final class DirectFloor implements Target {
        private final FloorProcess floor;
        private long nextId;

        DirectFloor(FloorProcess floor) {
            this.floor = floor;
        }

        @Override
        public Object call(Object args) throws IOException {
            long id = ++nextId;
            floor.write(callFrame(id, args));
            Map<String, Object> reply = FrameCodec.read(floor.in, MAX_FRAME);
            if (reply == null) {
                throw new IOException("the floor closed the connection");
            }
            if (Messages.integer(reply, "id") != id) {
                throw new IOException("the floor answered call " + reply.get("id") + ", expected " + id);
            }
            return reply.get("value");
        }
    }

    /** N callers: writes under a lock, one reader thread completing per-id futures. */
    static final class MuxFloor implements Target, AutoCloseable {
        private final FloorProcess floor;
        private final AtomicLong ids = new AtomicLong();
        private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
        private final Object writeLock = new Object();
        private final Thread reader;

        MuxFloor(FloorProcess floor) {
            this.floor = floor;
            this.reader = new Thread(this::readLoop, "bench-floor-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLoop() {
            Throwable cause = null;
            try {
                Map<String, Object> reply;
                while ((reply = FrameCodec.read(floor.in, MAX_FRAME)) != null) {
                    CompletableFuture<Object> f = pending.remove(Messages.integer(reply, "id"));
                    if (f != null) {
                        f.complete(reply.get("value"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                cause = e;
            }
            IOException gone = new IOException("the floor connection ended", cause);
            pending.values().forEach(f -> f.completeExceptionally(gone));
        }

        @Override
        public Object call(Object args) throws Exception {
            long id = ids.incrementAndGet();
            CompletableFuture<Object> f = new CompletableFuture<>();
            pending.put(id, f);
            byte[] frame = callFrame(id, args);
            try {
                synchronized (writeLock) {
                    floor.write(frame);
                }
            } catch (IOException e) {
                pending.remove(id);
                throw e;
            }
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw new IOException("floor call failed", e.getCause());
            }
        }

        @Override
        public void close() {
            floor.close();
            try {
                reader.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ measuring

    /** A growable array of longs, one per caller thread. */
    static final class LongList {
        long[] a = new long[1 << 14];
        int n;

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }
    }

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

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    // ------------------------------------------------------------------ the run

    /** Median figures of one target in one scenario, with its rounds. */
    record Summary(double p50Us, double p99Us, double callsPerSecond, List<Round> rounds) {
        static Summary of(List<Round> rounds) {
            return new Summary(
                    median(rounds.stream().mapToDouble(Round::p50Us).toArray()),
                    median(rounds.stream().mapToDouble(Round::p99Us).toArray()),
                    median(rounds.stream().mapToDouble(Round::callsPerSecond).toArray()),
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

    record Scenario(int callers, Summary pool, Summary floor) {
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
    }

    static final class Runner {
        private final String python;
        private final Settings settings;
        private final PrintStream progress;

        Runner(String python, Settings settings, PrintStream progress) {
            this.python = python;
            this.settings = settings;
            this.progress = progress;
        }

        Report run() throws Exception {
            long t0 = System.nanoTime();
            Path dir = createPrivateTempDir();
            List<FloorProcess> floors = new ArrayList<>();
            TaipanPool pool = null;
            Thread hook = new Thread(() -> floors.forEach(f -> FloorProcess.kill(f.process)), "bench-floor-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                progress.printf(Locale.ROOT, "starting the pool (%d worker, %d slots) and the floor...%n", WORKERS, SLOTS);
                pool = TaipanPool.start(PoolConfig.builder()
                        .name("bench")
                        .python(python)
                        .workers(WORKERS)
                        .slots(SLOTS)
                        .build());
                TaipanPool p = pool;
                Target poolTarget = args -> p.call(FUNCTION, args);
                FloorProcess direct = FloorProcess.start(python, dir, "floor-1", Duration.ofSeconds(30));
                floors.add(direct);
                FloorProcess muxed = FloorProcess.start(python, dir, "floor-n", Duration.ofSeconds(30));
                floors.add(muxed);
                Target floor1 = new DirectFloor(direct);
                MuxFloor floorN = new MuxFloor(muxed);

                // Sanity: both answer the call as expected before anything is timed.
                check(poolTarget.call(ARGS), 1L, "pool echo");
                check(floor1.call(ARGS), List.of(1L), "floor echo");
                check(floorN.call(ARGS), List.of(1L), "floor echo (multiplexed)");

                Map<Integer, Target> floorsByCallers = Map.of(1, floor1, 16, floorN);
                for (int callers : CALLERS) {
                    warmUp("pool", poolTarget, callers);
                    warmUp("floor", floorsByCallers.get(callers), callers);
                }
                Map<Integer, List<Round>> poolRounds = new LinkedHashMap<>();
                Map<Integer, List<Round>> floorRounds = new LinkedHashMap<>();
                for (int callers : CALLERS) {
                    poolRounds.put(callers, new ArrayList<>());
                    floorRounds.put(callers, new ArrayList<>());
                }
                for (int r = 0; r < settings.rounds; r++) {
                    for (int callers : CALLERS) {
                        // Alternate which side goes first so that drift favours neither.
                        boolean poolFirst = r % 2 == 0;
                        for (int k = 0; k < 2; k++) {
                            boolean isPool = (k == 0) == poolFirst;
                            Target t = isPool ? poolTarget : floorsByCallers.get(callers);
                            Round round = measure(t, callers, settings.roundMillis);
                            (isPool ? poolRounds : floorRounds).get(callers).add(round);
                            progress.printf(Locale.ROOT, "round %d/%d  %2d caller%s  %-5s  p50 %7.1f us  p99 %8.1f us  %8.0f calls/s%n",
                                    r + 1, settings.rounds, callers, callers == 1 ? " " : "s", isPool ? "pool" : "floor",
                                    round.p50Us(), round.p99Us(), round.callsPerSecond());
                        }
                    }
                }
                List<Scenario> scenarios = new ArrayList<>();
                for (int callers : CALLERS) {
                    scenarios.add(new Scenario(callers, Summary.of(poolRounds.get(callers)),
                            Summary.of(floorRounds.get(callers))));
                }
                String pythonVersion = pool.workers().stream().map(WorkerInfo::python).filter(Objects::nonNull)
                        .findFirst().orElse("unknown");
                floorN.close();
                return new Report(Machine.describe(pythonVersion), settings, scenarios,
                        (System.nanoTime() - t0) / 1e9);
            } finally {
                if (pool != null) {
                    pool.close();
                }
                floors.forEach(FloorProcess::close);
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // The JVM is already shutting down; the hook runs anyway.
                }
                deleteTree(dir);
            }
        }

        private void warmUp(String name, Target target, int callers) throws Exception {
            long calls = 0;
            long millis = settings.warmupMillis;
            while (calls < MIN_WARMUP_CALLS * callers) {
                calls += measure(target, callers, millis).calls();
            }
            progress.printf(Locale.ROOT, "warm-up   %2d caller%s  %-5s  %d calls%n", callers, callers == 1 ? " " : "s",
                    name, calls);
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

    // ------------------------------------------------------------------ the report

    record Machine(int cores, String os, String cpu, String java, String python) {
        static Machine describe(String python) {
            String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                    + System.getProperty("os.arch");
            String java = System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                    + System.getProperty("java.vendor") + ")";
            return new Machine(Runtime.getRuntime().availableProcessors(), os, cpuModel(), java, python);
        }

        private static String cpuModel() {
            try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
                return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                        .findFirst().orElse("unknown");
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cores", cores);
            m.put("cpu", cpu);
            m.put("os", os);
            m.put("java", java);
            m.put("python", python);
            return m;
        }
    }

    record Report(Machine machine, Settings settings, List<Scenario> scenarios, double totalSeconds) implements BenchReports.Report {
        boolean targetMet() {
            return scenarios.stream().allMatch(Scenario::targetMet);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("benchmark", "overhead");
            m.put("machine", machine.toJson());
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("function", FUNCTION);
            setup.put("args", ARGS);
            setup.put("pool_workers", WORKERS);
            setup.put("pool_slots", SLOTS);
            setup.put("floor", "python -m taipan_worker.floor (one process per scenario)");
            setup.put("rounds", settings.rounds);
            setup.put("round_seconds", settings.roundMillis / 1000.0);
            setup.put("warmup_seconds_min", settings.warmupMillis / 1000.0);
            setup.put("warmup_calls_min_per_caller", MIN_WARMUP_CALLS);
            setup.put("quick", settings.quick);
            m.put("setup", setup);
            List<Map<String, Object>> sc = new ArrayList<>();
            for (Scenario s : scenarios) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("callers", s.callers);
                e.put("pool", s.pool.toJson());
                e.put("floor", s.floor.toJson());
                Map<String, Object> ratio = new LinkedHashMap<>();
                ratio.put("p50", round3(s.p50Ratio()));
                ratio.put("p99", round3(s.p99Ratio()));
                ratio.put("calls_per_s", round3(s.throughputRatio()));
                e.put("pool_over_floor", ratio);
                e.put("p50_target_met", s.targetMet());
                sc.add(e);
            }
            m.put("scenarios", sc);
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("max_p50_ratio", TARGET_P50_RATIO);
            target.put("met", targetMet());
            m.put("target", target);
            m.put("total_seconds", round1(totalSeconds));
            return m;
        }

        public void printTable(PrintStream out) {
            out.println("taipan bench overhead: no-op call through the pool vs. the floor");
            out.printf(Locale.ROOT, "machine : %d cores, %s, %s%n", machine.cores, machine.cpu, machine.os);
            out.printf(Locale.ROOT, "java    : %s%n", machine.java);
            out.printf(Locale.ROOT, "python  : %s%n", machine.python);
            out.printf(Locale.ROOT, "pool    : %d worker, %d slots, sync pool.call(\"%s\", %s)%n", WORKERS, SLOTS,
                    FUNCTION, ARGS);
            out.println("floor   : python -m taipan_worker.floor, same frames and codec over a Unix socket;"
                    + " 1 caller: write-then-read, 16 callers: one reader thread + per-id futures");
            out.printf(Locale.ROOT, "method  : warm-up, then %d alternating rounds of %.1f s per side;"
                    + " figures are medians across rounds%s%n", settings.rounds, settings.roundMillis / 1000.0,
                    settings.quick ? " (QUICK run)" : "");
            out.println();
            out.printf(Locale.ROOT, "%-8s %-12s %10s %10s %12s%n", "callers", "", "p50 (us)", "p99 (us)", "calls/s");
            for (Scenario s : scenarios) {
                out.printf(Locale.ROOT, "%-8d %-12s %10.1f %10.1f %12.0f%n", s.callers, "pool", s.pool.p50Us,
                        s.pool.p99Us, s.pool.callsPerSecond);
                out.printf(Locale.ROOT, "%-8s %-12s %10.1f %10.1f %12.0f%n", "", "floor", s.floor.p50Us,
                        s.floor.p99Us, s.floor.callsPerSecond);
                out.printf(Locale.ROOT, "%-8s %-12s %9.2fx %9.2fx %11.2fx%n", "", "pool/floor", s.p50Ratio(),
                        s.p99Ratio(), s.throughputRatio());
            }
            out.println();
            for (Scenario s : scenarios) {
                out.printf(Locale.ROOT, "target (pool p50 <= %.1fx floor), %2d caller%s: %s (%.2fx)%n", TARGET_P50_RATIO,
                        s.callers, s.callers == 1 ? " " : "s", s.targetMet() ? "met" : "NOT met", s.p50Ratio());
            }
            out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
        }
    }

    static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
