package dev.taipan.micrometer;

import dev.taipan.PoolListener;
import dev.taipan.PoolStats;
import dev.taipan.PoolView;
import dev.taipan.WorkerInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one Taipan pool, as a {@link PoolListener}: add it to the pool's
 * configuration and the meters appear when the pool starts.
 *
 * <pre>{@code
 * TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("nlp")
 *         .listener(TaipanMetrics.of(registry)).build());
 * }</pre>
 *
 * Every meter is named {@code taipan.*} and tagged {@code pool} (the pool's name), plus any
 * common tags given to {@link #of(MeterRegistry, Iterable)}; the table is in
 * docs/OBSERVABILITY.md. One instance serves one pool: the gauges read the pool it was
 * started with.
 *
 * <p>The {@code function} tag stays bounded: it is the called name only when a worker of the
 * pool registered that function (the allow-list's names, from the workers' hellos); every
 * other name a caller may pass (typos, names no worker knows) is tagged {@code other}.
 */
public final class TaipanMetrics implements PoolListener {
    /** The {@code function} tag of calls to names no worker registered. */
    public static final String OTHER_FUNCTION = "other";

    private final MeterRegistry registry;
    private final Tags commonTags;
    private volatile Tags tags;
    private volatile PoolView pool;
    /**
     * The call timers by function, then by outcome (its ordinal): found on every call's end
     * without building a key or a tag string. A slot is filled once; two threads filling it at
     * once get the same timer back from the registry.
     */
    private final Map<String, Timer[]> callTimers = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> startTimers = new ConcurrentHashMap<>();
    private volatile Timer slotWait;

    private TaipanMetrics(MeterRegistry registry, Iterable<Tag> commonTags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.commonTags = Tags.of(Objects.requireNonNull(commonTags, "commonTags"));
        this.tags = this.commonTags;
    }

    /**
     * Meters of one pool in {@code registry}, tagged {@code pool}; give the result to one
     * pool's {@link dev.taipan.PoolConfig.Builder#listener}.
     *
     * @param registry the registry, not null
     * @return the listener
     * @throws NullPointerException if {@code registry} is null
     */
    public static TaipanMetrics of(MeterRegistry registry) {
        return new TaipanMetrics(registry, Tags.empty());
    }

    /**
     * As {@link #of(MeterRegistry)}, with more tags on every meter (an application's name, ...).
     *
     * @param registry   the registry, not null
     * @param commonTags tags added to every meter, not null
     * @return the listener
     * @throws NullPointerException if {@code registry} or {@code commonTags} is null
     */
    public static TaipanMetrics of(MeterRegistry registry, Iterable<Tag> commonTags) {
        return new TaipanMetrics(registry, commonTags);
    }

    @Override
    public void poolStarting(PoolView view) {
        this.pool = view;
        Tags t = commonTags.and("pool", view.name());
        this.tags = t;
        callTimers.clear();
        counters.clear();
        startTimers.clear();
        workersGauge("ready", PoolStats::ready, t);
        workersGauge("starting", PoolStats::starting, t);
        workersGauge("draining", s -> s.workers() - s.ready() - s.starting(), t);
        gauge("taipan.calls.active", "calls sent to a worker and not yet answered", t, v -> v.stats().inFlight());
        gauge("taipan.calls.waiting", "calls waiting for a worker slot", t, v -> v.stats().waiting());
        gauge("taipan.sessions", "open sessions", t, v -> v.stats().sessions());
        gauge("taipan.slots", "slots of the ready workers: calls the pool runs at once", t, PoolView::slots);
        gauge("taipan.circuit.open", "1 while the start circuit is open (calls fail fast), else 0", t,
                v -> v.health().status() == dev.taipan.PoolHealth.Status.CIRCUIT_OPEN ? 1 : 0);
        slotWait = Timer.builder("taipan.calls.slot.wait")
                .description("how long calls waited for a worker slot before they were sent")
                .tags(t).register(registry);
    }

    private void workersGauge(String state, ToDoubleFunction<PoolStats> f, Tags t) {
        Gauge.builder("taipan.workers", this, m -> {
                    PoolView v = m.pool;
                    return v == null ? Double.NaN : f.applyAsDouble(v.stats());
                })
                .description("workers by state").tags(t).tag("state", state).strongReference(true)
                .register(registry);
    }

    private void gauge(String name, String description, Tags t, ToDoubleFunction<PoolView> f) {
        Gauge.builder(name, this, m -> {
                    PoolView v = m.pool;
                    return v == null ? Double.NaN : f.applyAsDouble(v);
                })
                .description(description).tags(t).strongReference(true).register(registry);
    }

    @Override
    public void workerReady(WorkerInfo worker, Duration startTime) {
        String mode = worker.forked() ? "fork" : "spawn";
        startTimers.computeIfAbsent(mode, m -> Timer.builder("taipan.workers.start")
                .description("from a worker's start to its hello, by how it started (spawn, fork)")
                .tags(tags).tag("mode", m).register(registry)).record(startTime);
    }

    @Override
    public void workerLost(String workerId, WorkerLoss cause) {
        counter("taipan.workers.replacements", "workers lost and replaced, by cause", "cause", lower(cause))
                .increment();
    }

    @Override
    public void workerRecycled(String workerId, RecycleReason reason) {
        counter("taipan.workers.recycles", "healthy workers retired at a recycling limit, by reason", "reason",
                lower(reason)).increment();
    }

    @Override
    public void callRetried(String function, String lostWorkerId) {
        counter("taipan.calls.retries", "idempotent calls run again after their worker was lost", null, null)
                .increment();
    }

    @Override
    public void circuitOpened(int consecutiveFailures) {
        counter("taipan.circuit.openings", "times the start circuit opened", null, null).increment();
    }

    @Override
    public void callCompleted(CallEnd call) {
        String function = call.registered() ? call.function() : OTHER_FUNCTION;
        Timer[] byOutcome = callTimers.computeIfAbsent(function, f -> new Timer[PoolListener.Outcome.values().length]);
        int i = call.outcome().ordinal();
        Timer timer = byOutcome[i];
        if (timer == null) {
            timer = Timer.builder("taipan.calls")
                    .description("calls from submission to their end, by function and outcome")
                    .tags(tags).tag("function", function).tag("outcome", lower(call.outcome())).register(registry);
            byOutcome[i] = timer;
        }
        timer.record(call.duration());
        Timer wait = slotWait;
        if (wait != null) {
            wait.record(call.slotWait());
        }
    }

    private Counter counter(String name, String description, String tag, String value) {
        return counters.computeIfAbsent(name + '\u0000' + value, k -> {
            Counter.Builder b = Counter.builder(name).description(description).tags(tags);
            return (tag == null ? b : b.tag(tag, value)).register(registry);
        });
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        PoolView v = pool;
        return "TaipanMetrics{" + (v == null ? "not started" : v.name()) + "}";
    }
}
