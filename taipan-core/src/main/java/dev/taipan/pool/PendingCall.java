package dev.taipan.pool;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One call from submission to its end. {@link #result} completes exactly once, with the
 * first of: the worker's reply, the timeout, a cancellation, the worker's death. The
 * worker slot is held separately, until the worker itself says the call is over, because
 * that is when Python's capacity is really free.
 */
final class PendingCall {
    final long id;
    final String function;
    final byte[] frame;
    final SessionImpl session;
    final Duration timeout;
    final long startNanos = System.nanoTime();
    final CompletableFuture<Object> result = new CompletableFuture<>();

    // Guarded by the engine's lock.
    Worker worker;
    boolean waiting;
    ScheduledFuture<?> acquireTimer;

    volatile ScheduledFuture<?> timeoutTimer;

    PendingCall(long id, String function, byte[] frame, SessionImpl session, Duration timeout) {
        this.id = id;
        this.function = function;
        this.frame = frame;
        this.session = session;
        this.timeout = timeout;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    void cancelTimers() {
        ScheduledFuture<?> t = timeoutTimer;
        if (t != null) {
            t.cancel(false);
        }
        ScheduledFuture<?> a = acquireTimer;
        if (a != null) {
            a.cancel(false);
        }
    }
}
