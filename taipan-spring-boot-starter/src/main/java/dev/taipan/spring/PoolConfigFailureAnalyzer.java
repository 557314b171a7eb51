package dev.taipan.spring;

import dev.taipan.PoolConfigException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A bad {@code taipan.pool.*} property stops the application with its name and the fix, not a stack trace. */
public final class PoolConfigFailureAnalyzer extends AbstractFailureAnalyzer<PoolConfigException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, PoolConfigException cause) {
        return new FailureAnalysis("Invalid Taipan pool configuration: " + cause.getMessage(),
                "Fix the property " + cause.setting() + " (docs/SPRING_BOOT.md lists them all).", cause);
    }
}
