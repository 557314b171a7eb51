package dev.taipan.micrometer;

import dev.taipan.dspy.DspyListener;
import dev.taipan.dspy.RunUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters of DSPy runs ({@code taipan.dspy.*}), as a {@link DspyListener}: LM calls,
 * cache hits, LM errors, tokens and cost (US dollars) per model, parse failures and runs
 * (returned, failed) per program kind. The LM meters count every run's calls, failed runs',
 * evaluations' and optimizations' included.
 *
 * <pre>{@code
 * Dspy dspy = Dspy.on(pool).lm(lm).listener(TaipanDspyMetrics.of(registry));
 * }</pre>
 *
 * The {@code model} tag is the LM's model name as the Java side configured it ({@link
 * dev.taipan.dspy.Lm}): bounded by the application's own LMs. Needs taipan-dspy on the class
 * path (an optional dependency of this module).
 */
public final class TaipanDspyMetrics implements DspyListener {
    private final MeterRegistry registry;
    private final Tags tags;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private TaipanDspyMetrics(MeterRegistry registry, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Meters of DSPy runs in {@code registry}; give the result to {@code Dspy.listener}. One instance may serve several {@code Dspy}s: their runs add up.
     *
     * @param registry the registry, not null
     * @return the listener
     * @throws NullPointerException if {@code registry} is null
     */
    public static TaipanDspyMetrics of(MeterRegistry registry) {
        return new TaipanDspyMetrics(registry, Tags.empty());
    }

    /**
     * As {@link #of(MeterRegistry)}, with more tags on every meter.
     *
     * @param registry the registry, not null
     * @param tags     tags added to every meter, not null
     * @return the listener
     * @throws NullPointerException if {@code registry} or {@code tags} is null
     */
    public static TaipanDspyMetrics of(MeterRegistry registry, Iterable<Tag> tags) {
        return new TaipanDspyMetrics(registry, tags);
    }

    @Override
    public void runCompleted(String kind, RunUsage usage) {
        counter("taipan.dspy.runs", "program runs that returned a prediction", Tags.of("kind", kind)).increment();
        record(kind, usage);
    }

    @Override
    public void runFailed(String kind, RunUsage usage, Throwable error) {
        counter("taipan.dspy.runs.failed", "program runs that failed", Tags.of("kind", kind)).increment();
        record(kind, usage);
    }

    @Override
    public void evaluationEnded(String kind, RunUsage usage) {
        record(kind, usage);
    }

    @Override
    public void optimizationEnded(String kind, RunUsage usage) {
        record(kind, usage);
    }

    /** What the LMs were asked, into the per-model counters, whoever asked. */
    private void record(String kind, RunUsage usage) {
        if (usage.parseFailures() > 0) {
            counter("taipan.dspy.parse.failures", "LM answers the adapter could not parse",
                    Tags.of("kind", kind)).increment(usage.parseFailures());
        }
        usage.models().forEach((model, m) -> {
            Tags t = Tags.of("model", model);
            add("taipan.dspy.lm.calls", "LM calls, cached answers included", t, m.calls());
            add("taipan.dspy.lm.cache.hits", "LM calls DSPy answered from its cache", t, m.cacheHits());
            add("taipan.dspy.lm.errors", "LM calls that failed", t, m.errors());
            add("taipan.dspy.lm.tokens", "tokens billed (a cached answer bills none)", t.and("type", "prompt"),
                    m.promptTokens());
            add("taipan.dspy.lm.tokens", "tokens billed (a cached answer bills none)", t.and("type", "completion"),
                    m.completionTokens());
            long priced = m.calls() - m.cacheHits() - m.errors() - m.unpricedCalls();
            if (priced > 0 || m.costUsd() > 0) {
                // Only priced calls: a model with no price gets no cost series, never a cost of 0.
                counter("taipan.dspy.lm.cost", "cost of the billed LM calls that had a price, in US dollars", t)
                        .increment(m.costUsd());
            }
            if (m.unpricedCalls() > 0) {
                counter("taipan.dspy.lm.unpriced", "billed LM calls with no known price (not in taipan.dspy.lm.cost)",
                        t).increment(m.unpricedCalls());
            }
        });
    }

    private void add(String name, String description, Tags t, long amount) {
        // Registered at 0 too: a model's cache-hit series exists before its first hit.
        counter(name, description, t).increment(amount);
    }

    private static String unit(String name) {
        return name.endsWith("tokens") ? "tokens" : name.endsWith(".cost") ? "usd" : null;
    }

    private Counter counter(String name, String description, Tags t) {
        return counters.computeIfAbsent(name + t, k -> Counter.builder(name).description(description)
                .tags(tags).tags(t).baseUnit(unit(name)).register(registry));
    }
}
