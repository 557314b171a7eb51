package dev.taipan;

import java.time.Duration;

/**
 * The call did not finish within its timeout. The worker was sent a {@code cancel}; an
 * async Python function is cancelled, a plain one runs on but its result is discarded.
 */
public class CallTimeoutException extends TaipanException {
    /** The timeout the call had. */
    private final Duration timeout;

    /**
     * A call that ran out of time.
     *
     * @param message what happened, for humans
     * @param timeout the timeout the call had
     */
    public CallTimeoutException(String message, Duration timeout) {
        super(message);
        this.timeout = timeout;
    }

    /** {@return the timeout the call had (its own, or the pool's {@link PoolConfig#callTimeout()})} */
    public Duration timeout() {
        return timeout;
    }
}
