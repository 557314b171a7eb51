package dev.taipan.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.taipan.bench.OverheadBenchmark.*;

/**
 * The report of {@code taipan bench overhead} ({@link OverheadBenchmark}): the table, the JSON
 * and the charts; with {@code --observe}, the {@link ObservabilityOverhead} section too (else
 * {@code observability} is null).
 */
record OverheadReport(Machine machine, Settings settings, List<Scenario> scenarios,
                      ObservabilityOverhead.Section observability, double totalSeconds) implements BenchReports.Report {
    OverheadReport(Machine machine, Settings settings, List<Scenario> scenarios, double totalSeconds) {
        this(machine, settings, scenarios, null, totalSeconds);
    }

    boolean targetMet() {
        return scenarios.stream().allMatch(Scenario::targetMet);
    }

    /** The peers that ran, in {@link Peer} order. */
    List<Peer> peers() {
        return scenarios.isEmpty() ? List.of() : List.copyOf(scenarios.get(0).peers().keySet());
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
        setup.put("floor", "python -m taipan_testing.floor() (one process per scenario)");
        for (Peer peer : peers()) {
            setup.put(peer.key, describe(peer));
        }
        setup.put("order", "rotating from round to round: pool, floor" + peers().stream()
                .map(p -> ", " + p.shortName).reduce("", String::concat));
        setup.put("rounds", settings.rounds());
        setup.put("round_seconds", settings.roundMillis() / 1000.0);
        setup.put("warmup_seconds_min", settings.warmupMillis() / 1000.0);
        setup.put("warmup_calls_min_per_caller", MIN_WARMUP_CALLS);
        if (peers().contains(Peer.PROCESS)) {
            setup.put("warmup_calls_min_per_caller_process_per_call", MIN_WARMUP_CALLS_PROCESS);
        }
        setup.put("quick", settings.quick());
        m.put("setup", setup);
        List<Map<String, Object>> sc = new ArrayList<>();
        for (Scenario s : scenarios) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("callers", s.callers());
            e.put("pool", s.pool().toJson());
            e.put("floor", s.floor().toJson());
            e.put("pool_over_floor", Ratio.of(s.pool(), s.floor()).toJson());
            e.put("p50_target_met", s.targetMet());
            for (Map.Entry<Peer, Summary> p : s.peers().entrySet()) {
                e.put(p.getKey().key, p.getValue().toJson());
                e.put(p.getKey().key + "_over_pool", s.overPool(p.getKey()).toJson());
            }
            sc.add(e);
        }
        m.put("scenarios", sc);
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("max_p50_ratio", TARGET_P50_RATIO);
        target.put("met", targetMet());
        m.put("target", target);
        if (observability != null) {
            m.put("observability", observability.toJson());
        }
        m.put("total_seconds", round1(totalSeconds));
        return m;
    }

    static String describe(Peer peer) {
        return switch (peer) {
            case PY4J -> "Py4J " + Py4jPeer.VERSION + " ClientServer (pinned threads, TCP loopback with TCP_NODELAY, auth token):"
                    + " Java calls echo(1) on the proxy of a Python object implementing dev.taipan.bench.Py4jEcho,"
                    + " the Python server entry point of python -m " + Py4jPeer.MODULE + " (one process)";
            case PROCESS -> "new ProcessBuilder(python, \"-c\", \"" + ProcessPerCallPeer.CODE
                    + "\", \"1\") per call: start, read stdout to EOF, wait for exit";
        };
    }

    public void printTable(PrintStream out) {
        out.println("taipan bench overhead: no-op call through the pool vs. the floor" + peers().stream()
                .map(p -> " vs. " + p.label).reduce("", String::concat));
        machine.printHeader(out);
        out.printf(Locale.ROOT, "pool    : %d worker, %d slots, sync pool.call(\"%s\", %s)%n", WORKERS, SLOTS,
                FUNCTION, ARGS);
        out.println("floor   : python -m taipan_testing.floor(), same frames and codec over a Unix socket;"
                + " 1 caller: write-then-read, 16 callers: one reader thread + per-id futures");
        if (peers().contains(Peer.PY4J)) {
            out.println("py4j    : " + describe(Peer.PY4J));
        }
        if (peers().contains(Peer.PROCESS)) {
            out.println("process : " + describe(Peer.PROCESS));
        }
        out.printf(Locale.ROOT, "method  : warm-up, then %d rounds of %.1f s per side and scenario, the order"
                + " rotating from round to round; figures are medians across rounds%s%n", settings.rounds(),
                settings.roundMillis() / 1000.0, settings.quick() ? " (QUICK run)" : "");
        out.println();
        out.printf(Locale.ROOT, "%-8s %-14s %11s %11s %12s%n", "callers", "", "p50 (us)", "p99 (us)", "calls/s");
        for (Scenario s : scenarios) {
            row(out, String.valueOf(s.callers()), "pool", s.pool());
            row(out, "", "floor", s.floor());
            s.peers().forEach((peer, summary) -> row(out, "", peer.shortName, summary));
            ratio(out, "pool/floor", Ratio.of(s.pool(), s.floor()));
            s.peers().keySet().forEach(peer -> ratio(out, (peer == Peer.PROCESS ? "process" : peer.shortName) + "/pool",
                    s.overPool(peer)));
        }
        out.println();
        for (Scenario s : scenarios) {
            out.printf(Locale.ROOT, "target (pool p50 <= %.1fx floor), %2d caller%s: %s (%.2fx)%n", TARGET_P50_RATIO,
                    s.callers(), s.callers() == 1 ? " " : "s", s.targetMet() ? "met" : "NOT met", s.p50Ratio());
        }
        for (Scenario s : scenarios) {
            for (Peer peer : s.peers().keySet()) {
                Ratio r = s.overPool(peer);
                out.printf(Locale.ROOT, "%2d caller%s: %s / Taipan p50 = %s, Taipan calls/s = %s %s's%n", s.callers(),
                        s.callers() == 1 ? " " : "s", peer.label, times(r.p50()), times(1 / r.callsPerSecond()),
                        peer.label);
            }
        }
        if (observability != null) {
            observability.printTable(out);
        }
        out.printf(Locale.ROOT, "total time: %.1f s%n", totalSeconds);
    }

    private static void row(PrintStream out, String callers, String name, Summary s) {
        out.printf(Locale.ROOT, "%-8s %-14s %11.1f %11.1f %12.0f%n", callers, name, s.p50Us(), s.p99Us(),
                s.callsPerSecond());
    }

    private static void ratio(PrintStream out, String name, Ratio r) {
        out.printf(Locale.ROOT, "%-8s %-14s %11s %11s %12s%n", "", name, ratioCell(r.p50()), ratioCell(r.p99()),
                ratioCell(r.callsPerSecond()));
    }

    /** {@code overhead-p50.png} and {@code overhead-throughput.png}: every side, log scale. */
    @Override
    public List<Path> writeCharts(Path dir) throws IOException {
        List<String> categories = scenarios.stream()
                .map(s -> s.callers() + (s.callers() == 1 ? " caller" : " callers")).toList();
        String subtitle = settings.quick() ? " (QUICK run)" : "";
        Charts.Bar p50 = Charts.bar("No-op call, p50 latency (median of " + settings.rounds() + " rounds)" + subtitle,
                "caller threads", "p50 (µs, log scale)").logY().categories(categories);
        Charts.Bar tput = Charts.bar("No-op call, throughput (median of " + settings.rounds() + " rounds)" + subtitle,
                "caller threads", "calls/s (log scale)").logY().categories(categories);
        p50.series("Taipan pool", scenarios.stream().map(s -> s.pool().p50Us()).toList());
        tput.series("Taipan pool", scenarios.stream().map(s -> s.pool().callsPerSecond()).toList());
        p50.series("floor (raw socket)", scenarios.stream().map(s -> s.floor().p50Us()).toList());
        tput.series("floor (raw socket)", scenarios.stream().map(s -> s.floor().callsPerSecond()).toList());
        for (Peer peer : peers()) {
            p50.series(peer.label, scenarios.stream().map(s -> s.peers().get(peer).p50Us()).toList());
            tput.series(peer.label, scenarios.stream().map(s -> s.peers().get(peer).callsPerSecond()).toList());
        }
        return List.of(p50.save(dir.resolve("overhead-p50.png")), tput.save(dir.resolve("overhead-throughput.png")));
    }
}
