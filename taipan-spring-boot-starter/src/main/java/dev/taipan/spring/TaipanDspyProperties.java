package dev.taipan.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * {@code taipan.dspy.*}: the default LM of the auto-configured {@code Dspy}. The API key is
 * never a property: {@code api-key-env} names the environment variable that holds it, read at
 * call time. Unknown keys are rejected.
 */
@ConfigurationProperties(prefix = "taipan.dspy", ignoreUnknownFields = false)
public class TaipanDspyProperties {
    /** A LiteLLM model string, e.g. {@code openai/gpt-4o-mini}; the Dspy bean exists only when set. */
    private String model;
    /** The LM's base URL (an OpenAI-compatible server), or none for the provider's. */
    private String apiBase;
    /** The name of the environment variable holding the API key. */
    private String apiKeyEnv;
    private Double temperature;
    private Integer maxTokens;
    /** DSPy's response cache (default on). */
    private Boolean cache;
    private Integer numRetries;
    /** How long one LM request may take. */
    private Duration timeout;
    /** DSPy's HTTP engine: auto, litellm or lm15. */
    private String engine;

    /** {@return the LiteLLM model string; the Dspy bean exists only when it is set} */
    public String getModel() { return model; }
    /**
     * Sets {@code taipan.dspy.model}.
     *
     * @param model a LiteLLM model string, e.g. {@code openai/gpt-4o-mini}
     */
    public void setModel(String model) { this.model = model; }
    /** {@return the LM's base URL, or null for the provider's} */
    public String getApiBase() { return apiBase; }
    /**
     * Sets {@code taipan.dspy.api-base}.
     *
     * @param apiBase the base URL of an OpenAI-compatible server, or null
     */
    public void setApiBase(String apiBase) { this.apiBase = apiBase; }
    /** {@return the name of the environment variable holding the API key, or null for none} */
    public String getApiKeyEnv() { return apiKeyEnv; }
    /**
     * Sets {@code taipan.dspy.api-key-env}.
     *
     * @param apiKeyEnv the variable's name (read at call time), or null
     */
    public void setApiKeyEnv(String apiKeyEnv) { this.apiKeyEnv = apiKeyEnv; }
    /** {@return the sampling temperature, or null for the provider's} */
    public Double getTemperature() { return temperature; }
    /**
     * Sets {@code taipan.dspy.temperature}.
     *
     * @param temperature 0 to 2, or null
     */
    public void setTemperature(Double temperature) { this.temperature = temperature; }
    /** {@return the most tokens of one completion, or null for the provider's} */
    public Integer getMaxTokens() { return maxTokens; }
    /**
     * Sets {@code taipan.dspy.max-tokens}.
     *
     * @param maxTokens at least 1, or null
     */
    public void setMaxTokens(Integer maxTokens) { this.maxTokens = maxTokens; }
    /** {@return whether DSPy's response cache is on; null means on} */
    public Boolean getCache() { return cache; }
    /**
     * Sets {@code taipan.dspy.cache}.
     *
     * @param cache false to turn the cache off, or null
     */
    public void setCache(Boolean cache) { this.cache = cache; }
    /** {@return how often LiteLLM retries a failed request, or null for 3} */
    public Integer getNumRetries() { return numRetries; }
    /**
     * Sets {@code taipan.dspy.num-retries}.
     *
     * @param numRetries 0 or more, or null
     */
    public void setNumRetries(Integer numRetries) { this.numRetries = numRetries; }
    /** {@return how long one LM request may take, or null for LiteLLM's default} */
    public Duration getTimeout() { return timeout; }
    /**
     * Sets {@code taipan.dspy.timeout}.
     *
     * @param timeout a positive duration, or null
     */
    public void setTimeout(Duration timeout) { this.timeout = timeout; }
    /** {@return DSPy's HTTP engine ({@code auto}, {@code litellm} or {@code lm15}), or null for auto} */
    public String getEngine() { return engine; }
    /**
     * Sets {@code taipan.dspy.engine}.
     *
     * @param engine the engine's name, or null
     */
    public void setEngine(String engine) { this.engine = engine; }

    @Override
    public String toString() {
        // The key's variable name only; there is no key here.
        return "TaipanDspyProperties{model=" + model + ", apiBase=" + apiBase + ", apiKeyEnv=" + apiKeyEnv + "}";
    }
}
