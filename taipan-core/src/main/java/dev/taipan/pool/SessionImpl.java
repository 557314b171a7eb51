package dev.taipan.pool;

import dev.taipan.CallOptions;
import dev.taipan.Session;

import java.util.concurrent.CompletableFuture;

/** A session: a name for state kept in one worker, and calls routed only to it. */
final class SessionImpl implements Session {
    enum State { OPEN, CLOSED, EVICTED, LOST }

    final String id;
    final Worker worker;
    private final PoolEngine engine;

    // Guarded by the engine's lock.
    State state = State.OPEN;
    int inFlight;
    long lastUsedNanos = System.nanoTime();
    Throwable lostCause;

    SessionImpl(String id, Worker worker, PoolEngine engine) {
        this.id = id;
        this.worker = worker;
        this.engine = engine;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String workerId() {
        return worker.id;
    }

    @Override
    public boolean isOpen() {
        return engine.isOpen(this);
    }

    @Override
    public Object call(String function, Object args, CallOptions options) {
        return engine.await(engine.submit(function, args, options, this));
    }

    @Override
    public CompletableFuture<Object> callAsync(String function, Object args, CallOptions options) {
        return engine.async(engine.submit(function, args, options, this));
    }

    @Override
    public void close() {
        engine.closeSession(this, State.CLOSED);
    }

    @Override
    public String toString() {
        return "Session{" + id + " on " + worker.id + "}";
    }
}
