package dev.taipan.spring;

import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Lm;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** A {@link Dspy} on the pool, when taipan-dspy is on the classpath and {@code taipan.dspy.model} is set. */
@AutoConfiguration(after = TaipanAutoConfiguration.class)
@ConditionalOnClass(Dspy.class)
@ConditionalOnBean(TaipanPool.class)
@ConditionalOnProperty(prefix = "taipan.dspy", name = "model")
@EnableConfigurationProperties(TaipanDspyProperties.class)
public class TaipanDspyAutoConfiguration {
    /**
     * {@code Dspy.on(pool)} with the LM of {@code taipan.dspy.*}, then every
     * {@link TaipanDspyCustomizer} in order.
     *
     * @param pool        the pool, whose modules include the DSPy bridge
     * @param properties  the LM's settings
     * @param customizers what changes the Dspy before it is a bean (the metrics listener, the user's)
     * @return the Dspy
     */
    @Bean
    @ConditionalOnMissingBean
    public Dspy taipanDspy(TaipanPool pool, TaipanDspyProperties properties,
                           ObjectProvider<TaipanDspyCustomizer> customizers) {
        Lm lm = lm(properties, System::getenv); // the properties' errors first, before a call to the pool
        Dspy dspy = Dspy.on(pool).lm(lm);
        for (TaipanDspyCustomizer c : customizers.orderedStream().toList()) {
            dspy = java.util.Objects.requireNonNull(c.customize(dspy), () -> "TaipanDspyCustomizer " + c
                    + " returned null; return the Dspy to use (e.g. dspy.listener(...))");
        }
        return dspy;
    }

    static Lm lm(TaipanDspyProperties p, java.util.function.Function<String, String> environment) {
        Lm lm;
        try {
            lm = Lm.of(p.getModel());
            if (p.getApiBase() != null && !p.getApiBase().isBlank()) {
                lm = lm.apiBase(p.getApiBase());
            }
            if (p.getApiKeyEnv() != null) {
                String variable = p.getApiKeyEnv().trim();
                // Fail at start, not at the first request: the variable is read again at call time.
                if (variable.isEmpty() || environment.apply(variable) == null) {
                    throw new IllegalArgumentException("taipan.dspy.api-key-env: environment variable '" + variable
                            + "' is not set; export it (it holds the LM's API key) or remove the property");
                }
                lm = lm.apiKeyFromEnv(variable);
            }
            if (p.getTemperature() != null) {
                lm = lm.temperature(p.getTemperature());
            }
            if (p.getMaxTokens() != null) {
                lm = lm.maxTokens(p.getMaxTokens());
            }
            if (p.getCache() != null) {
                lm = lm.cache(p.getCache());
            }
            if (p.getNumRetries() != null) {
                lm = lm.numRetries(p.getNumRetries());
            }
            if (p.getTimeout() != null) {
                lm = lm.timeout(p.getTimeout());
            }
            if (p.getEngine() != null) {
                lm = lm.engine(p.getEngine());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property(e.getMessage()), e);
        }
        return lm;
    }

    /**
     * Lm's own checks say {@code "Lm: maxTokens must be positive, got 0"}; the property is
     * {@code taipan.dspy.max-tokens}, so the message names it as the pool's errors do:
     * {@code "taipan.dspy.max-tokens: must be positive, got 0"}.
     */
    static String property(String message) {
        if (message == null || !message.startsWith("Lm: ")) {
            return message;
        }
        String rest = message.substring(4);
        int space = rest.indexOf(' ');
        if (space <= 0) {
            return "taipan.dspy: " + rest;
        }
        String field = rest.substring(0, space);
        StringBuilder kebab = new StringBuilder();
        for (char c : field.toCharArray()) {
            if (Character.isUpperCase(c)) {
                kebab.append('-').append(Character.toLowerCase(c));
            } else {
                kebab.append(c);
            }
        }
        return "taipan.dspy." + kebab + ": " + rest.substring(space + 1);
    }
}
