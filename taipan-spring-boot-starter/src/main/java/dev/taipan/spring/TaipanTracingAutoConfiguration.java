package dev.taipan.spring;

import dev.taipan.opentelemetry.TaipanTracing;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Traces the auto-configured pool's calls with taipan-opentelemetry, when it is on the classpath
 * and the application has an {@link OpenTelemetry} bean (its own, or the actuator's from the SDK):
 * {@code callTracer(TaipanTracing.create(openTelemetry))}. {@code taipan.tracing.enabled=false}
 * turns it off.
 */
// After the actuator's OpenTelemetry bean is defined (by name: the actuator is optional).
@AutoConfiguration(afterName = "org.springframework.boot.actuate.autoconfigure.opentelemetry.OpenTelemetryAutoConfiguration")
@ConditionalOnClass({TaipanTracing.class, OpenTelemetry.class})
@ConditionalOnBean(OpenTelemetry.class)
@ConditionalOnProperty(prefix = "taipan.tracing", name = "enabled", havingValue = "true", matchIfMissing = true)
public class TaipanTracingAutoConfiguration {
    /**
     * First in order: a pool has one tracer, so a customizer of the user's that sets
     * {@code callTracer} runs after this one and wins.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public TaipanPoolCustomizer taipanTracingPoolCustomizer(OpenTelemetry openTelemetry) {
        return builder -> builder.callTracer(TaipanTracing.create(openTelemetry));
    }
}
