package dev.taipan.dspy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A language model configuration: any LiteLLM model string plus settings. Immutable; each
 * {@code with}-style method returns a new configuration. The API key is read (from the
 * environment or a supplier) only when a call needs it, travels to the worker inside the
 * call, and is never logged, printed or returned ({@link #toString()} hides it).
 */
public final class Lm {
    private final String id;
    private final String model;
    private final String apiBase;
    private final Supplier<String> apiKey;
    private final String apiKeySource;
    private final Double temperature;
    private final Integer maxTokens;
    private final boolean cache;
    private final int numRetries;
    private final Duration timeout;
    private final String engine;
    private final List<Map<String, Object>> answers;

    private Lm(String model, String apiBase, Supplier<String> apiKey, String apiKeySource, Double temperature,
               Integer maxTokens, boolean cache, int numRetries, Duration timeout, String engine) {
        this(model, apiBase, apiKey, apiKeySource, temperature, maxTokens, cache, numRetries, timeout, engine, null);
    }

    private Lm(String model, String apiBase, Supplier<String> apiKey, String apiKeySource, Double temperature,
               Integer maxTokens, boolean cache, int numRetries, Duration timeout, String engine,
               List<Map<String, Object>> answers) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("Lm: model must be a LiteLLM model string, e.g. 'openai/gpt-4o-mini'");
        }
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("Lm: temperature must be between 0 and 2, got " + temperature);
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("Lm: maxTokens must be positive, got " + maxTokens);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("Lm: timeout must be positive, got " + timeout);
        }
        if (engine != null && !engine.equals("auto") && !engine.equals("litellm") && !engine.equals("lm15")) {
            throw new IllegalArgumentException("Lm: engine must be auto, litellm or lm15, got " + engine);
        }
        if (numRetries < 0) {
            throw new IllegalArgumentException("Lm: numRetries must be >= 0, got " + numRetries);
        }
        this.id = UUID.randomUUID().toString();
        this.model = model;
        this.apiBase = apiBase;
        this.apiKey = apiKey;
        this.apiKeySource = apiKeySource;
        this.temperature = temperature;
        this.maxTokens = maxTokens;
        this.cache = cache;
        this.numRetries = numRetries;
        this.timeout = timeout;
        this.engine = engine;
        this.answers = answers;
    }

    /**
     * DSPy's {@code DummyLM} for tests: each LM call answers with the next map of output
     * field values, in order. Real DSPy runs in real workers; only the model is fake.
     *
     * @param answers the output field values of each LM call, in order; at least one
     * @return the dummy LM
     * @throws IllegalArgumentException if {@code answers} is null or empty
     */
    public static Lm dummy(List<Map<String, Object>> answers) {
        if (answers == null || answers.isEmpty()) {
            throw new IllegalArgumentException("Lm.dummy needs at least one answer");
        }
        return new Lm("dspy/dummy", null, null, null, null, null, false, 0, null, null, List.copyOf(answers));
    }

    /**
     * A model by its LiteLLM name, e.g. {@code "openai/gpt-4o-mini"} or {@code "ollama_chat/llama3"};
     * with DSPy's cache on and 3 retries.
     *
     * @param model the LiteLLM model string
     * @return the configuration
     * @throws IllegalArgumentException if {@code model} is null or blank
     */
    public static Lm of(String model) {
        return new Lm(model, null, null, null, null, null, true, 3, null, null);
    }

    /**
     * The endpoint's base URL, for a self-hosted or proxied model (default: LiteLLM's for the provider).
     *
     * @param url the base URL, e.g. {@code http://localhost:11434}, or null for the default
     * @return the new configuration; this one is unchanged
     */
    public Lm apiBase(String url) {
        return new Lm(model, url, apiKey, apiKeySource, temperature, maxTokens, cache, numRetries, timeout, engine);
    }

    /**
     * Reads the key from this environment variable (of the JVM) at call time.
     *
     * @param variable the variable's name, not null
     * @return the new configuration; this one is unchanged
     */
    public Lm apiKeyFromEnv(String variable) {
        Objects.requireNonNull(variable, "variable");
        return new Lm(model, apiBase, () -> System.getenv(variable), "env " + variable, temperature, maxTokens,
                cache, numRetries, timeout, engine);
    }

    /**
     * Asks the supplier for the key at call time (e.g. from a secret store); it may be called
     * from any thread.
     *
     * @param supplier the key's supplier, not null
     * @return the new configuration; this one is unchanged
     */
    public Lm apiKey(Supplier<String> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        return new Lm(model, apiBase, supplier, "supplier", temperature, maxTokens, cache, numRetries, timeout, engine);
    }

    /**
     * The sampling temperature (default: the provider's).
     *
     * @param t 0 to 2
     * @return the new configuration; this one is unchanged
     * @throws IllegalArgumentException if {@code t} is out of range
     */
    public Lm temperature(double t) {
        return new Lm(model, apiBase, apiKey, apiKeySource, t, maxTokens, cache, numRetries, timeout, engine);
    }

    /**
     * The most tokens one completion may have (default: the provider's).
     *
     * @param n at least 1
     * @return the new configuration; this one is unchanged
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public Lm maxTokens(int n) {
        return new Lm(model, apiBase, apiKey, apiKeySource, temperature, n, cache, numRetries, timeout, engine);
    }

    /**
     * DSPy's response cache on or off (default on).
     *
     * @param enabled false to send every request to the model
     * @return the new configuration; this one is unchanged
     */
    public Lm cache(boolean enabled) {
        return new Lm(model, apiBase, apiKey, apiKeySource, temperature, maxTokens, enabled, numRetries, timeout, engine);
    }

    /**
     * How many times LiteLLM retries a failed request, with back-off (default 3).
     *
     * @param n 0 or more
     * @return the new configuration; this one is unchanged
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public Lm numRetries(int n) {
        return new Lm(model, apiBase, apiKey, apiKeySource, temperature, maxTokens, cache, n, timeout, engine);
    }

    /**
     * How long one LM request may take before it fails with {@link LmTimeoutException}
     * (default: LiteLLM's).
     *
     * @param t a positive duration (sent in milliseconds), or null for the default
     * @return the new configuration; this one is unchanged
     * @throws IllegalArgumentException if {@code t} is zero or negative
     */
    public Lm timeout(Duration t) {
        return new Lm(model, apiBase, apiKey, apiKeySource, temperature, maxTokens, cache, numRetries, t, engine);
    }

    /**
     * DSPy's HTTP engine: {@code "litellm"}, {@code "lm15"} (DSPy's native one) or
     * {@code "auto"} (DSPy's choice, the default).
     *
     * @param name {@code auto}, {@code litellm} or {@code lm15}; null for the default
     * @return the new configuration; this one is unchanged
     * @throws IllegalArgumentException if {@code name} is another word
     */
    public Lm engine(String name) {
        return new Lm(model, apiBase, apiKey, apiKeySource, temperature, maxTokens, cache, numRetries, timeout, name);
    }

    /** {@return the LiteLLM model string} */
    public String model() {
        return model;
    }

    /** {@return the endpoint's base URL, or null for the provider's default} */
    public String apiBase() {
        return apiBase;
    }

    String id() {
        return id;
    }

    /** The reference sent with a call; the spec (with the key) only when the worker asks. */
    Map<String, Object> toWire(boolean withSpec) {
        Map<String, Object> ref = new LinkedHashMap<>();
        ref.put("id", id);
        ref.put("version", 1);
        if (withSpec) {
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("model", model);
            spec.put("api_base", apiBase);
            spec.put("api_key", apiKey == null ? null : apiKey.get());
            spec.put("temperature", temperature);
            spec.put("max_tokens", maxTokens);
            spec.put("cache", cache);
            spec.put("num_retries", numRetries);
            spec.put("model_type", "chat");
            spec.put("timeout", timeout == null ? null : timeout.toMillis() / 1000.0);
            spec.put("engine", engine);
            if (answers != null) {
                spec.put("answers", answers);
            }
            ref.put("spec", spec);
        } else {
            ref.put("spec", null);
        }
        return ref;
    }

    @Override
    public String toString() {
        return "Lm{model=" + model + (apiBase == null ? "" : ", apiBase=" + apiBase)
                + (apiKeySource == null ? "" : ", apiKey=<from " + apiKeySource + ">")
                + (temperature == null ? "" : ", temperature=" + temperature)
                + (maxTokens == null ? "" : ", maxTokens=" + maxTokens) + ", cache=" + cache
                + (timeout == null ? "" : ", timeout=" + timeout) + (engine == null ? "" : ", engine=" + engine) + "}";
    }
}
