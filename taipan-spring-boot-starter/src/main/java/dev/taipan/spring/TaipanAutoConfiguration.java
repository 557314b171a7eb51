package dev.taipan.spring;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import java.util.Map;

/**
 * The auto-configured {@link TaipanPool}: {@code taipan.pool.*} through
 * {@link PoolConfig#from(Map)} (so an error names the property), then every
 * {@link TaipanPoolCustomizer} (the starter's metrics and tracing among them, when present); and
 * {@link TaipanPoolShutdown}, which drains it after the web server has stopped.
 */
@AutoConfiguration
public class TaipanAutoConfiguration {
    /** The worker module of the DSPy bridge, added when {@code taipan.dspy.model} is set. */
    static final String DSPY_MODULE = "taipan_worker.dspy";

    /**
     * The configuration the auto-configured pool starts with: the {@code taipan.pool.*}
     * properties through {@link PoolConfig#from(java.util.Map)}, then every customizer in order.
     *
     * @param environment the properties to read
     * @param customizers the customizers, applied in their order
     * @return the configuration
     * @throws dev.taipan.PoolConfigException naming the property that is wrong
     */
    @Bean
    @ConditionalOnMissingBean
    public PoolConfig taipanPoolConfig(Environment environment, ObjectProvider<TaipanPoolCustomizer> customizers) {
        Map<String, Object> properties = PoolPropertySource.read(environment);
        if (environment.containsProperty("taipan.dspy.model")
                && ClassUtils.isPresent("dev.taipan.dspy.Dspy", TaipanAutoConfiguration.class.getClassLoader())) {
            // DSPy is asked for: its bridge must be importable by the workers.
            String modules = (String) properties.getOrDefault("taipan.pool.modules", "");
            if (!java.util.Arrays.asList(modules.split("\\s*,\\s*")).contains(DSPY_MODULE)) {
                properties.put("taipan.pool.modules", modules.isBlank() ? DSPY_MODULE : modules + "," + DSPY_MODULE);
            }
        }
        PoolConfig config = PoolConfig.from(properties);
        PoolConfig.Builder builder = config.toBuilder();
        customizers.orderedStream().forEach(c -> c.customize(builder));
        // The starter's own customizers are among these, first in order: the meters of
        // TaipanMetricsAutoConfiguration and the tracer of TaipanTracingAutoConfiguration.
        return builder.build();
    }

    /**
     * Started at once (or lazily with {@code taipan.pool.lazy-start}); drained by {@link TaipanPoolShutdown}.
     *
     * @param taipanPoolConfig the pool's configuration
     * @return the started pool
     * @throws dev.taipan.PoolStartException if a worker cannot start (the context fails to start)
     */
    @Bean
    @ConditionalOnMissingBean
    public TaipanPool taipanPool(PoolConfig taipanPoolConfig) {
        return TaipanPool.start(taipanPoolConfig);
    }

    /**
     * Closes every {@code TaipanPool} bean after the web server has stopped taking requests.
     *
     * @param pools the pools to close
     * @return the lifecycle bean that closes them
     */
    @Bean
    @ConditionalOnMissingBean
    public TaipanPoolShutdown taipanPoolShutdown(ObjectProvider<TaipanPool> pools) {
        return new TaipanPoolShutdown(pools);
    }
}
