package dev.taipan.spring;

import dev.taipan.TaipanPool;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The {@code taipan} health indicator, when the actuator is present ({@code management.health.taipan.enabled}). */
@AutoConfiguration(after = TaipanAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(TaipanPool.class)
@ConditionalOnEnabledHealthIndicator("taipan")
public class TaipanHealthAutoConfiguration {
    /**
     * Named {@code taipan} under {@code /actuator/health}.
     *
     * @param pool the pool whose health it reports
     * @return the indicator
     */
    @Bean(name = "taipanHealthIndicator")
    @ConditionalOnMissingBean(name = "taipanHealthIndicator")
    public TaipanHealthIndicator taipanHealthIndicator(TaipanPool pool) {
        return new TaipanHealthIndicator(pool);
    }
}
