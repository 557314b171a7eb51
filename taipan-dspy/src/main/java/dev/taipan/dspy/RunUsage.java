package dev.taipan.dspy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What one run asked of its LMs, measured in the worker: per model, the LM calls, how many of
 * them DSPy answered from its cache, how many failed, and the tokens billed (a cached answer
 * bills none); and how often the adapter could not parse an LM's answer (a ChatAdapter that
 * fell back to JSON counts one even when the run then succeeded). Empty for a worker that does
 * not report it (an older runtime): its models map is empty.
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
     */
    public record Model(long calls, long cacheHits, long errors, long promptTokens, long completionTokens) {
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

    /**
     * From the prediction's {@code metrics} (optional: absent from older workers) and
     * {@code usage} (DSPy's tokens per model) fields.
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
                Map<String, Object> tokens = usage != null && usage.get(e.getKey()) instanceof Map
                        ? (Map<String, Object>) usage.get(e.getKey()) : Map.of();
                models.put(e.getKey(), new Model(num(c.get("calls")), num(c.get("cache_hits")), num(c.get("errors")),
                        num(tokens.get("prompt_tokens")), num(tokens.get("completion_tokens"))));
            }
        }
        return new RunUsage(models, num(m.get("parse_failures")));
    }

    private static long num(Object o) {
        return o instanceof Number ? ((Number) o).longValue() : 0;
    }
}
