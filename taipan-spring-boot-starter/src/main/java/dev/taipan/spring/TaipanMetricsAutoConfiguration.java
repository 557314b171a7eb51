package dev.taipan.spring;

import dev.taipan.dspy.Dspy;
import dev.taipan.micrometer.TaipanDspyMetrics;
import dev.taipan.micrometer.TaipanMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * The {@code taipan.*} meters of taipan-micrometer, when it is on the classpath and the
 * application has a {@link MeterRegistry} bean (the actuator's, typically): the auto-configured
 * pool gets a {@link TaipanMetrics} listener (added to the user's listeners, not replacing them)
 * and the auto-configured {@code Dspy} a {@link TaipanDspyMetrics}. {@code taipan.metrics.enabled=false}
 * turns both off.
 */
// After the registries exist (the export auto-configurations, then the composite), by name: the
// actuator is optional, and @ConditionalOnBean sees only beans defined before it.
@AutoConfiguration(afterName = {
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass({TaipanMetrics.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "taipan.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
public class TaipanMetricsAutoConfiguration {
    /**
     * Adds a new {@link TaipanMetrics} each time a configuration is built (one serves one pool).
     * First in order, so the user's customizers see it and their listeners come after it.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public TaipanPoolCustomizer taipanMetricsPoolCustomizer(MeterRegistry registry) {
        return builder -> builder.listener(TaipanMetrics.of(registry));
    }

    /** The DSPy meters, only with taipan-dspy (an optional dependency of taipan-micrometer too). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(Dspy.class)
    static class DspyMetrics {
        @Bean
        @Order(Ordered.HIGHEST_PRECEDENCE)
        TaipanDspyCustomizer taipanDspyMetricsCustomizer(MeterRegistry registry) {
            return dspy -> dspy.listener(TaipanDspyMetrics.of(registry));
        }
    }
}
