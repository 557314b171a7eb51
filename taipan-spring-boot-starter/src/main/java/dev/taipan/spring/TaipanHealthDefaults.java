package dev.taipan.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;

/**
 * Registers the {@code DEGRADED} status with the actuator, as defaults the application's own
 * properties override: its HTTP code is 200 (the pool still serves: a load balancer keeps
 * sending traffic), and it ranks between OUT_OF_SERVICE and UP when statuses are aggregated.
 * DOWN and OUT_OF_SERVICE keep their 503 (a mapping given replaces the defaults, so all three
 * are set).
 */
public final class TaipanHealthDefaults implements EnvironmentPostProcessor {
    static final String SOURCE = "taipanHealthDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(
                "management.endpoint.health.status.order", "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN",
                "management.endpoint.health.status.http-mapping.down", "503",
                "management.endpoint.health.status.http-mapping.out-of-service", "503",
                "management.endpoint.health.status.http-mapping.degraded", "200")));
    }
}
