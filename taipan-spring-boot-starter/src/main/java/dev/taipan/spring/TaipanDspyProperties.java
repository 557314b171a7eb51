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

    public String getModel() { return model; }
    public void setModel(String model) { this.model = model; }
    public String getApiBase() { return apiBase; }
    public void setApiBase(String apiBase) { this.apiBase = apiBase; }
    public String getApiKeyEnv() { return apiKeyEnv; }
    public void setApiKeyEnv(String apiKeyEnv) { this.apiKeyEnv = apiKeyEnv; }
    public Double getTemperature() { return temperature; }
    public void setTemperature(Double temperature) { this.temperature = temperature; }
    public Integer getMaxTokens() { return maxTokens; }
    public void setMaxTokens(Integer maxTokens) { this.maxTokens = maxTokens; }
    public Boolean getCache() { return cache; }
    public void setCache(Boolean cache) { this.cache = cache; }
    public Integer getNumRetries() { return numRetries; }
    public void setNumRetries(Integer numRetries) { this.numRetries = numRetries; }
    public Duration getTimeout() { return timeout; }
    public void setTimeout(Duration timeout) { this.timeout = timeout; }
    public String getEngine() { return engine; }
    public void setEngine(String engine) { this.engine = engine; }

    @Override
    public String toString() {
        // The key's variable name only; there is no key here.
        return "TaipanDspyProperties{model=" + model + ", apiBase=" + apiBase + ", apiKeyEnv=" + apiKeyEnv + "}";
    }
}
