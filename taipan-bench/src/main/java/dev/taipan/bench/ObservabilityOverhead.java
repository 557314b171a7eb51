package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.bench.OverheadBenchmark.Contender;
import dev.taipan.bench.OverheadBenchmark.Ratio;
import dev.taipan.bench.OverheadBenchmark.Round;
import dev.taipan.bench.OverheadBenchmark.Summary;
import dev.taipan.bench.OverheadBenchmark.Target;
import dev.taipan.micrometer.TaipanMetrics;
import dev.taipan.opentelemetry.TaipanTracing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code taipan bench overhead --observe}: what metrics and tracing cost on the hot path. The
 * benchmark's plain pool is "off"; this class starts one more pool per level, each like it
 * (1 worker, 16 slots, {@code echo} with {@code [1]}), whose targets join the same rounds as
 * the pool and the floor, so the sides alternate and drift hits them alike:
 * <ul>
 *   <li><b>metrics</b>: {@link TaipanMetrics} on a {@link SimpleMeterRegistry} (a real
 *       registry: every call records its {@code taipan.calls} and slot-wait timers);</li>
 *   <li><b>tracing</b> (metrics + tracing): the same metrics, and {@link TaipanTracing} over
 *       the OpenTelemetry SDK: an {@link SdkTracerProvider} with the default sampler (every
 *       call is a root span, so every call is sampled), a {@link BatchSpanProcessor} with its
 *       default settings to an exporter that counts and discards; the worker's own spans (its
 *       {@code otel} extra) come back in each answer and are re-emitted under the CLIENT span.</li>
 * </ul>
 * The target: at 16 callers each level's p50 within 10% of off's, and its calls/s within 10%
 * (at least off's / 1.1).
 */
public final class ObservabilityOverhead implements AutoCloseable {
    static final double TARGET_MAX_OVERHEAD = 0.10;
    static final int TARGET_CALLERS = 16;

    /** The observed levels; "off" is the benchmark's plain pool, always there. */
    public enum Level {
        METRICS("metrics", "metrics", "metrics (TaipanMetrics, SimpleMeterRegistry)"),
        TRACING("tracing", "metrics+tracing", "metrics + tracing (TaipanTracing, OpenTelemetry SDK, BatchSpanProcessor)");

        final String key;
        final String shortName;
        final String label;

        Level(String key, String shortName, String label) {
            this.key = key;
            this.shortName = shortName;
            this.label = label;
        }

        /**
         * {@code "off,metrics,tracing"} or {@code "all"} (both levels), a subset, or
         * {@code "none"} / {@code "off"} alone (none: the plain pool is off, and always runs).
         */
        public static Set<Level> parse(String list) {
            if (list == null || list.isBlank() || list.strip().equalsIgnoreCase("all")) {
                return EnumSet.allOf(Level.class);
            }
            Set<Level> levels = EnumSet.noneOf(Level.class);
            for (String s : list.split(",")) {
                switch (s.strip().toLowerCase(Locale.ROOT)) {
                    case "metrics" -> levels.add(METRICS);
                    case "tracing", "metrics+tracing" -> levels.add(TRACING);
                    case "all" -> levels.addAll(EnumSet.allOf(Level.class));
                    case "off", "none", "" -> { }
                    default -> throw new IllegalArgumentException("unknown level '" + s.strip()
                            + "' (expected off, metrics, tracing, all or none)");
                }
            }
            return levels;
        }
    }

    /** Counts what the BatchSpanProcessor hands it and keeps nothing. */
    static final class CountingExporter implements SpanExporter {
        final LongAdder client = new LongAdder();
        final LongAdder server = new LongAdder();
        final LongAdder all = new LongAdder();

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            for (SpanData span : spans) {
                all.increment();
                if (span.getKind() == SpanKind.CLIENT) {
                    client.increment();
                } else if (span.getKind() == SpanKind.SERVER) {
                    server.increment();
                }
            }
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    private final Map<Level, TaipanPool> pools = new EnumMap<>(Level.class);
    private final Map<Level, MeterRegistry> registries = new EnumMap<>(Level.class);
    private final CountingExporter exporter = new CountingExporter();
    private SdkTracerProvider tracerProvider;

    private ObservabilityOverhead() {
    }

    /** Starts a pool per level (a failure closes what started). */
    static ObservabilityOverhead start(String python, Set<Level> levels) {
        ObservabilityOverhead o = new ObservabilityOverhead();
        try {
            for (Level level : levels) {
                MeterRegistry registry = new SimpleMeterRegistry();
                o.registries.put(level, registry);
                PoolConfig.Builder config = PoolConfig.builder()
                        .name("bench-" + level.key)
                        .python(python)
                        .workers(OverheadBenchmark.WORKERS)
                        .slots(OverheadBenchmark.SLOTS)
                        .listener(TaipanMetrics.of(registry));
                if (level == Level.TRACING) {
                    o.tracerProvider = SdkTracerProvider.builder()
                            .addSpanProcessor(BatchSpanProcessor.builder(o.exporter).build())
                            .build();
                    config.callTracer(TaipanTracing.create(
                            OpenTelemetrySdk.builder().setTracerProvider(o.tracerProvider).build()));
                }
                o.pools.put(level, TaipanPool.start(config.build()));
            }
            return o;
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** The sides this adds to the benchmark's rounds, each checked to answer first. */
    List<Contender> contenders() {
        List<Contender> list = new ArrayList<>();
        pools.forEach((level, pool) -> {
            Target t = args -> pool.call(OverheadBenchmark.FUNCTION, args);
            Object got;
            try {
                got = t.call(OverheadBenchmark.ARGS);
            } catch (Exception e) {
                throw new IllegalStateException("pool echo (" + level.shortName + ") failed: " + e, e);
            }
            if (!Long.valueOf(1).equals(got)) {
                throw new IllegalStateException("pool echo (" + level.shortName + ") returned " + got + ", expected 1");
            }
            Map<Integer, Target> byCallers = new LinkedHashMap<>();
            for (int callers : OverheadBenchmark.CALLERS) {
                byCallers.put(callers, t);
            }
            list.add(new Contender(level.key, level.shortName, byCallers, OverheadBenchmark.MIN_WARMUP_CALLS));
        });
        return list;
    }

    /**
     * The section of the report: each level's medians against off's ({@code off} by callers),
     * from {@code rounds} (contender key, then callers), and what the meters and the exporter
     * saw over the whole run (warm-up included).
     */
    Section summarize(Map<Integer, Summary> off, Map<String, Map<Integer, List<Round>>> rounds) {
        if (tracerProvider != null) {
            // Spans still queued in the processor count too: flush before reading the exporter.
            tracerProvider.forceFlush().join(10, TimeUnit.SECONDS);
        }
        List<Scenario> scenarios = new ArrayList<>();
        for (int callers : OverheadBenchmark.CALLERS) {
            Map<Level, Summary> levels = new EnumMap<>(Level.class);
            for (Level level : pools.keySet()) {
                levels.put(level, Summary.of(rounds.get(level.key).get(callers)));
            }
            scenarios.add(new Scenario(callers, off.get(callers), levels));
        }
        Map<Level, Long> recorded = new EnumMap<>(Level.class);
        registries.forEach((level, registry) -> recorded.put(level,
                registry.find("taipan.calls").timers().stream().mapToLong(Timer::count).sum()));
        Spans spans = tracerProvider == null ? null
                : new Spans(exporter.all.sum(), exporter.client.sum(), exporter.server.sum(),
                        recorded.getOrDefault(Level.TRACING, 0L));
        return new Section(List.copyOf(pools.keySet()), scenarios, recorded, spans);
    }

    @Override
    public void close() {
        pools.values().forEach(TaipanPool::close);
        if (tracerProvider != null) {
            tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ the figures

    /** One number of callers: off's figures and each level's. */
    record Scenario(int callers, Summary off, Map<Level, Summary> levels) {
        Ratio overOff(Level level) {
            return Ratio.of(levels.get(level), off);
        }

        /** p50 at most 1.1x off's and calls/s at least off's / 1.1. */
        boolean withinTarget(Level level) {
            Ratio r = overOff(level);
            return r.p50() <= 1 + TARGET_MAX_OVERHEAD && r.callsPerSecond() >= 1 / (1 + TARGET_MAX_OVERHEAD);
        }
    }

    /**
     * What the tracing pool's spans came to: {@code calls} is its {@code taipan.calls} count;
     * each call makes a CLIENT span and, handed back by a worker with OpenTelemetry, a SERVER
     * span, so the CLIENT (and, if any came back, SERVER) spans short of {@code calls} are what
     * the BatchSpanProcessor dropped (its queue full). No SERVER span at all: the worker has
     * no OpenTelemetry (its {@code otel} extra), and only the Java side was measured.
     */
    record Spans(long exported, long client, long server, long calls) {
        long dropped() {
            return Math.max(0, calls - client) + (server == 0 ? 0 : Math.max(0, calls - server));
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("traced_calls", calls);
            m.put("exported", exported);
            m.put("client", client);
            m.put("server", server);
            m.put("dropped", dropped());
            return m;
        }
    }

    /** The observability part of the overhead report. */
    record Section(List<Level> levels, List<Scenario> scenarios, Map<Level, Long> recordedCalls, Spans spans) {
        boolean targetMet() {
            return scenarios.stream().filter(s -> s.callers == TARGET_CALLERS)
                    .allMatch(s -> levels.stream().allMatch(s::withinTarget));
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            Map<String, Object> setup = new LinkedHashMap<>();
            setup.put("off", "the benchmark's pool (no listener, no tracer)");
            for (Level level : levels) {
                setup.put(level.key, describe(level));
            }
            m.put("setup", setup);
            List<Map<String, Object>> sc = new ArrayList<>();
            for (Scenario s : scenarios) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("callers", s.callers);
                e.put("off", s.off.toJson());
                for (Level level : levels) {
                    e.put(level.key, s.levels.get(level).toJson());
                    e.put(level.key + "_over_off", s.overOff(level).toJson());
                    e.put(level.key + "_within_target", s.withinTarget(level));
                }
                sc.add(e);
            }
            m.put("scenarios", sc);
            Map<String, Object> recorded = new LinkedHashMap<>();
            recordedCalls.forEach((level, n) -> recorded.put(level.key, n));
            m.put("taipan_calls_recorded", recorded);
            if (spans != null) {
                m.put("spans", spans.toJson());
            }
            Map<String, Object> target = new LinkedHashMap<>();
            target.put("callers", TARGET_CALLERS);
            target.put("max_p50_over_off", 1 + TARGET_MAX_OVERHEAD);
            target.put("min_calls_per_s_over_off", OverheadBenchmark.round3(1 / (1 + TARGET_MAX_OVERHEAD)));
            target.put("met", targetMet());
            m.put("target", target);
            return m;
        }

        static String describe(Level level) {
            return switch (level) {
                case METRICS -> "TaipanMetrics.of(new SimpleMeterRegistry()) as the pool's listener";
                case TRACING -> "TaipanMetrics as for metrics, and TaipanTracing.create(OpenTelemetrySdk) as the"
                        + " pool's callTracer: SdkTracerProvider (default sampler: every call sampled),"
                        + " BatchSpanProcessor (defaults) to an exporter that counts and discards;"
                        + " the worker's SERVER span handed back and re-emitted";
            };
        }

        void printTable(PrintStream out) {
            out.println();
            out.println("observability: the same pool with metrics and with metrics + tracing, in the same rounds");
            for (Level level : levels) {
                out.printf(Locale.ROOT, "%-16s: %s%n", level.shortName, describe(level));
            }
            out.printf(Locale.ROOT, "%-8s %-20s %11s %11s %12s%n", "callers", "", "p50 (us)", "p99 (us)", "calls/s");
            for (Scenario s : scenarios) {
                row(out, String.valueOf(s.callers), "off", s.off);
                for (Level level : levels) {
                    row(out, "", level.shortName, s.levels.get(level));
                }
                for (Level level : levels) {
                    Ratio r = s.overOff(level);
                    out.printf(Locale.ROOT, "%-8s %-20s %11s %11s %12s%n", "", level.shortName + "/off",
                            OverheadBenchmark.ratioCell(r.p50()), OverheadBenchmark.ratioCell(r.p99()),
                            OverheadBenchmark.ratioCell(r.callsPerSecond()));
                }
            }
            recordedCalls.forEach((level, n) -> out.printf(Locale.ROOT,
                    "%s: taipan.calls recorded %d calls (warm-up included)%n", level.shortName, n));
            if (spans != null) {
                out.printf(Locale.ROOT, "metrics+tracing: %d spans exported (%d CLIENT, %d SERVER) for %d calls;"
                        + " dropped by the span processor: %d%s%n", spans.exported, spans.client, spans.server,
                        spans.calls, spans.dropped(), spans.server == 0
                                ? " (no SERVER span: the worker has no OpenTelemetry, only the Java side is measured)" : "");
            }
            for (Scenario s : scenarios) {
                if (s.callers != TARGET_CALLERS) {
                    continue;
                }
                for (Level level : levels) {
                    Ratio r = s.overOff(level);
                    out.printf(Locale.ROOT, "target (%s within %.0f%% of off, %d callers: p50 and calls/s): %s"
                                    + " (p50 %.2fx, calls/s %.2fx)%n", level.shortName, TARGET_MAX_OVERHEAD * 100,
                            TARGET_CALLERS, s.withinTarget(level) ? "met" : "NOT met", r.p50(), r.callsPerSecond());
                }
            }
        }

        private static void row(PrintStream out, String callers, String name, Summary s) {
            out.printf(Locale.ROOT, "%-8s %-20s %11.1f %11.1f %12.0f%n", callers, name, s.p50Us(), s.p99Us(),
                    s.callsPerSecond());
        }
    }
}
