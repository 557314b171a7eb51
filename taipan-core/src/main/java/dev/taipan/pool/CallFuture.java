package dev.taipan.pool;

import dev.taipan.CallCancelledException;

import java.util.concurrent.CompletableFuture;

/**
 * The future handed to {@code callAsync} callers: cancelling it cancels the call in the
 * worker. Dependent stages are plain futures, so cancelling one of those only detaches it.
 *
 * <p>A cancel wins only if it ends the call: a call that already ended (its result on its way
 * to this future through the callback executor) keeps its outcome, and {@code cancel}
 * returns false, so the caller never sees "cancelled" for a call the stats count as done.
 */
final class CallFuture extends CompletableFuture<Object> {
    private final CallPath calls;
    private final PendingCall call;
    private volatile boolean cancelledByCaller;

    CallFuture(CallPath calls, PendingCall call) {
        this.calls = calls;
        this.call = call;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return isCancelled();
        }
        cancelledByCaller = true;
        if (!calls.cancel(call)) {
            return false; // the call ended first; its outcome completes this future
        }
        super.cancel(mayInterruptIfRunning);
        return true;
    }

    /** Completes this future with the call's outcome (on the callback executor). */
    void settle(Object value, Throwable error) {
        if (error == null) {
            complete(value);
        } else if (cancelledByCaller && error instanceof CallCancelledException) {
            super.cancel(false); // our own cancel: the caller sees a cancelled future either way
        } else {
            completeExceptionally(error);
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
