package dev.taipan.pool;

import java.util.concurrent.CompletableFuture;

/**
 * The future handed to {@code callAsync} callers: cancelling it cancels the call in the
 * worker. Dependent stages are plain futures, so cancelling one of those only detaches it.
 */
final class CallFuture extends CompletableFuture<Object> {
    private final PoolEngine engine;
    private final PendingCall call;

    CallFuture(PoolEngine engine, PendingCall call) {
        this.engine = engine;
        this.call = call;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            engine.cancel(call);
        }
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
