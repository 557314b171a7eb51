package dev.taipan;

import java.time.Duration;
import java.util.Objects;

/** Per-call settings. Immutable; {@link #DEFAULT} uses the pool's defaults. */
public final class CallOptions {
    public static final CallOptions DEFAULT = new CallOptions(null);

    private final Duration timeout;

    private CallOptions(Duration timeout) {
        this.timeout = timeout;
    }

    /** A call that must finish within {@code timeout}, queueing included. */
    public static CallOptions timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("CallOptions: timeout must be positive, got " + timeout);
        }
        return new CallOptions(timeout);
    }

    /** The timeout, or null for the pool's {@link PoolConfig#callTimeout()}. */
    public Duration timeoutOrNull() {
        return timeout;
    }

    @Override
    public String toString() {
        return "CallOptions{timeout=" + timeout + "}";
    }
}
