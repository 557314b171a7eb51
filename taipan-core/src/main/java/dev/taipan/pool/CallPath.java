package dev.taipan.pool;

import java.util.concurrent.CompletableFuture;

/**
 * What the caller-facing objects ({@link SessionImpl}, {@link CallFuture}) ask of the pool,
 * without knowing the parts that do it.
 */
interface CallPath {
    /** Validates, encodes and routes a call. */
    PendingCall submit(String function, Object args, dev.taipan.CallOptions options, SessionImpl session);

    /** Waits for the call on the caller's thread (reading its own reply when it can). */
    Object await(PendingCall call);

    /** The caller-facing future of the call. */
    CompletableFuture<Object> async(PendingCall call);

    /** Cancels the call; false if it had already ended another way. */
    boolean cancel(PendingCall call);

    /** Ends a session (closed by its user, or evicted). */
    void closeSession(SessionImpl s, SessionImpl.State newState);
}
