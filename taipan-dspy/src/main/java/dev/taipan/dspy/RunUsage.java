package dev.taipan.dspy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one run (or one evaluation or optimization, all its runs together) asked of its LMs,
 * measured in the worker: per model, the LM calls, how many of them DSPy answered from its
 * cache, how many failed, the tokens billed and what they cost (a cached answer bills none and
 * costs nothing); and how often the adapter could not parse an LM's answer (a ChatAdapter that
 * fell back to JSON counts one even when the run then succeeded). Empty for a worker that does
 * not report it (an older runtime): its models map is empty.
 *
 * <p><b>Cost.</b> The worker prices each billed LM call from LiteLLM's bundled price table
 * (read offline), in US dollars. A model that table has no price for is not priced: its calls
 * are counted in {@link Model#unpricedCalls()}, never as costing 0. So a model's cost is known
 * only when {@link Model#costKnown()}; otherwise {@link Model#costUsd()} is the cost of the calls
 * that were priced, a lower bound.
 *
 * @param models        per model name (LiteLLM's string), that model's share of the run
 * @param parseFailures how often the adapter could not parse an LM's answer during the run
 */
public record RunUsage(Map<String, Model> models, long parseFailures) {
    /** No usage: what a prediction from a worker that does not report it carries. */
    public static final RunUsage NONE = new RunUsage(Map.of(), 0);

    /**
     * One model's share of a run.
     *
     * @param calls            the LM calls made
     * @param cacheHits        of those, how many DSPy answered from its cache
     * @param errors           of those, how many failed
     * @param promptTokens     the prompt tokens billed
     * @param completionTokens the completion tokens billed
     * @param costUsd          the cost in US dollars of the billed calls that were priced (0 when none was)
     * @param unpricedCalls    the billed calls (neither cached nor failed) with no known price
     */
    public record Model(long calls, long cacheHits, long errors, long promptTokens, long completionTokens,
                        double costUsd, long unpricedCalls) {
        /**
         * Checks the figures.
         *
         * @param calls            the LM calls made
         * @param cacheHits        of those, how many DSPy answered from its cache
         * @param errors           of those, how many failed
         * @param promptTokens     the prompt tokens billed
         * @param completionTokens the completion tokens billed
         * @param costUsd          the cost in US dollars of the billed calls that were priced
         * @param unpricedCalls    the billed calls with no known price
         * @throws IllegalArgumentException if {@code costUsd} is negative or not finite
         */
        public Model {
            if (!(costUsd >= 0) || Double.isInfinite(costUsd)) {
                throw new IllegalArgumentException("costUsd must be a finite, non-negative number, got " + costUsd);
            }
        }

        /**
         * {@return whether every billed call was priced, so {@link #costUsd()} is the whole cost}
         * True when nothing was billed (cached or failed calls only: a cost of 0).
         */
        public boolean costKnown() {
            return unpricedCalls == 0;
        }
    }

    /**
     * Copies {@code models}, unmodifiable, in its order.
     *
     * @param models        per model name, its share
     * @param parseFailures how often the adapter could not parse an answer
     * @throws NullPointerException if {@code models} is null
     */
    public RunUsage {
        models = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(models, "models")));
    }

    /** From a worker's {@code metrics} alone (an evaluation's, an optimization's, a failed run's). */
    static RunUsage fromWire(Object metrics) {
        return fromWire(metrics, null);
    }

    /**
     * From the prediction's {@code metrics} (optional: absent from older workers) and
     * {@code usage} (DSPy's tokens per model) fields. The metrics' own tokens win; a worker
     * that sends none (it could not see the LM's responses) leaves them to {@code usage}, and
     * one that sends no cost leaves every billed call unpriced.
     */
    @SuppressWarnings("unchecked")
    static RunUsage fromWire(Object metrics, Map<String, Object> usage) {
        if (!(metrics instanceof Map)) {
            return NONE;
        }
        Map<String, Object> m = (Map<String, Object>) metrics;
        Map<String, Model> models = new LinkedHashMap<>();
        if (m.get("lm") instanceof Map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m.get("lm")).entrySet()) {
                Map<String, Object> c = e.getValue() instanceof Map ? (Map<String, Object>) e.getValue() : Map.of();
                Map<String, Object> tokens = c.containsKey("prompt_tokens") ? c
                        : usage != null && usage.get(e.getKey()) instanceof Map
                        ? (Map<String, Object>) usage.get(e.getKey()) : Map.of();
                long calls = num(c.get("calls"));
                long cacheHits = num(c.get("cache_hits"));
                long errors = num(c.get("errors"));
                double cost = c.get("cost_usd") instanceof Number n && n.doubleValue() >= 0
                        && Double.isFinite(n.doubleValue()) ? n.doubleValue() : 0;
                long unpriced = c.containsKey("unpriced") ? num(c.get("unpriced"))
                        : Math.max(0, calls - cacheHits - errors);
                models.put(e.getKey(), new Model(calls, cacheHits, errors, num(tokens.get("prompt_tokens")),
                        num(tokens.get("completion_tokens")), cost, unpriced));
            }
        }
        return new RunUsage(models, num(m.get("parse_failures")));
    }

    private static long num(Object o) {
        return o instanceof Number ? Math.max(0, ((Number) o).longValue()) : 0;
    }
}
