package dev.taipan.spark;

import dev.taipan.dspy.Lm;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The language model of a {@link DspyProgramSpec}, as it travels to the executors: the model,
 * its endpoint and settings, and the <em>name</em> of the environment variable that holds the
 * API key. The key itself is never part of this object, so it is never in a serialized Spark
 * plan: each executor reads the variable when a run starts. Immutable.
 */
public final class LmSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model's LiteLLM name. */
    private final String model;
    /** The endpoint's base URL, or null. */
    private final String apiBase;
    /** The executors' variable holding the key, or null. */
    private final String apiKeyEnv;
    /** The sampling temperature, or null. */
    private final Double temperature;
    /** The most tokens an answer may have, or null. */
    private final Integer maxTokens;
    /** Whether DSPy caches answers. */
    private final boolean cache;
    /** LiteLLM's retries of a failed request. */
    private final int numRetries;
    /** One request's timeout, or null. */
    private final Duration timeout;

    private LmSpec(String model, String apiBase, String apiKeyEnv, Double temperature, Integer maxTokens,
                   boolean cache, int numRetries, Duration timeout) {
        this.model = model;
        this.apiBase = apiBase;
        this.apiKeyEnv = apiKeyEnv;
        this.temperature = temperature;
        this.maxTokens = maxTokens;
        this.cache = cache;
        this.numRetries = numRetries;
        this.timeout = timeout;
    }

    /**
     * A model by its LiteLLM name, with LiteLLM's defaults (cache on, 3 retries).
     *
     * @param model e.g. {@code openai/gpt-4o-mini}
     * @return the spec
     * @throws IllegalArgumentException if {@code model} is null or blank
     */
    public static LmSpec of(String model) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank, e.g. openai/gpt-4o-mini");
        }
        return new LmSpec(model, null, null, null, null, true, 3, null);
    }

    /**
     * The endpoint's base URL (default: LiteLLM's for the provider).
     *
     * @param url the base URL, or null for the default
     * @return the new spec; this one is unchanged
     */
    public LmSpec apiBase(String url) {
        return new LmSpec(model, url, apiKeyEnv, temperature, maxTokens, cache, numRetries, timeout);
    }

    /**
     * The environment variable, on each executor, that holds the API key.
     *
     * @param variable the variable's name
     * @return the new spec; this one is unchanged
     * @throws IllegalArgumentException if {@code variable} is null or blank
     */
    public LmSpec apiKeyFromEnv(String variable) {
        if (variable == null || variable.isBlank()) {
            throw new IllegalArgumentException("the API key's environment variable must be named");
        }
        return new LmSpec(model, apiBase, variable, temperature, maxTokens, cache, numRetries, timeout);
    }

    /**
     * The sampling temperature (default: the provider's).
     *
     * @param t 0 to 2
     * @return the new spec; this one is unchanged
     * @throws IllegalArgumentException if {@code t} is outside 0 to 2
     */
    public LmSpec temperature(double t) {
        if (!(t >= 0 && t <= 2)) {
            throw new IllegalArgumentException("temperature must be 0 to 2, was " + t);
        }
        return new LmSpec(model, apiBase, apiKeyEnv, t, maxTokens, cache, numRetries, timeout);
    }

    /**
     * The most tokens an answer may have (default: the provider's).
     *
     * @param n at least 1
     * @return the new spec; this one is unchanged
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public LmSpec maxTokens(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, was " + n);
        }
        return new LmSpec(model, apiBase, apiKeyEnv, temperature, n, cache, numRetries, timeout);
    }

    /**
     * Whether DSPy caches answers (default true).
     *
     * @param enabled true to cache
     * @return the new spec; this one is unchanged
     */
    public LmSpec cache(boolean enabled) {
        return new LmSpec(model, apiBase, apiKeyEnv, temperature, maxTokens, enabled, numRetries, timeout);
    }

    /**
     * How often LiteLLM retries a failed LM request (default 3).
     *
     * @param n 0 or more
     * @return the new spec; this one is unchanged
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public LmSpec numRetries(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("numRetries must be 0 or more, was " + n);
        }
        return new LmSpec(model, apiBase, apiKeyEnv, temperature, maxTokens, cache, n, timeout);
    }

    /**
     * The timeout of one LM request (default: LiteLLM's).
     *
     * @param t positive, or null for the default
     * @return the new spec; this one is unchanged
     * @throws IllegalArgumentException if {@code t} is zero or negative
     */
    public LmSpec timeout(Duration t) {
        if (t != null && (t.isZero() || t.isNegative())) {
            throw new IllegalArgumentException("timeout must be positive, was " + t);
        }
        return new LmSpec(model, apiBase, apiKeyEnv, temperature, maxTokens, cache, numRetries, t);
    }

    /** {@return the model's LiteLLM name} */
    public String model() {
        return model;
    }

    /** {@return the endpoint's base URL, or null for the provider's} */
    public String apiBase() {
        return apiBase;
    }

    /** {@return the name of the environment variable holding the key, or null for none} */
    public String apiKeyEnv() {
        return apiKeyEnv;
    }

    /** The taipan-dspy configuration, built on the executor (the key read there, at call time). */
    Lm toLm() {
        Lm lm = Lm.of(model).apiBase(apiBase).cache(cache).numRetries(numRetries);
        if (apiKeyEnv != null) {
            lm = lm.apiKeyFromEnv(apiKeyEnv);
        }
        if (temperature != null) {
            lm = lm.temperature(temperature);
        }
        if (maxTokens != null) {
            lm = lm.maxTokens(maxTokens);
        }
        if (timeout != null) {
            lm = lm.timeout(timeout);
        }
        return lm;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LmSpec)) {
            return false;
        }
        LmSpec s = (LmSpec) o;
        return model.equals(s.model) && Objects.equals(apiBase, s.apiBase) && Objects.equals(apiKeyEnv, s.apiKeyEnv)
                && Objects.equals(temperature, s.temperature) && Objects.equals(maxTokens, s.maxTokens)
                && cache == s.cache && numRetries == s.numRetries && Objects.equals(timeout, s.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, apiBase, apiKeyEnv, temperature, maxTokens, cache, numRetries, timeout);
    }

    /** {@return the settings, with where the key comes from but never the key} */
    @Override
    public String toString() {
        return "LmSpec[" + model + (apiBase == null ? "" : ", apiBase=" + apiBase)
                + (apiKeyEnv == null ? "" : ", apiKey=<from env " + apiKeyEnv + ">") + "]";
    }
}
