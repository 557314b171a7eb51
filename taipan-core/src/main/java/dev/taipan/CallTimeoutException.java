package dev.taipan;

import java.time.Duration;

/**
 * The call did not finish within its timeout. The worker was sent a {@code cancel}; an
 * async Python function is cancelled, a plain one runs on but its result is discarded.
 */
public class CallTimeoutException extends TaipanException {
    private final Duration timeout;

    public CallTimeoutException(String message, Duration timeout) {
        super(message);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
