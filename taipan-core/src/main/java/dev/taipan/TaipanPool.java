package dev.taipan;

import dev.taipan.pool.PoolEngine;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A pool of Python worker processes. Start one per set of modules, share it between
 * threads, close it when done:
 *
 * <pre>{@code
 * try (TaipanPool pool = TaipanPool.start(PoolConfig.builder()
 *         .python(".venv/bin/python").modules("myapp.handlers").workers(4).build())) {
 *     Object score = pool.call("myapp.handlers:score", Map.of("text", "hello"));
 * }
 * }</pre>
 *
 * <p>Pools share nothing: any number may run in one JVM. A worker that crashes fails only
 * its own in-flight calls (with a {@link WorkerLostException}) and is replaced. No Python
 * process outlives the pool: {@link #close()} ends them, a JVM shutdown hook does too, and
 * on Linux each worker dies with the JVM even under SIGKILL.
 */
public final class TaipanPool implements PythonCaller, AutoCloseable {
    private final PoolEngine engine;

    private TaipanPool(PoolEngine engine) {
        this.engine = engine;
    }

    /**
     * Starts the workers concurrently and returns when all are ready (or at once with
     * {@link PoolConfig.Builder#lazyStart}).
     *
     * @throws PoolStartException with the failing worker's exit status and stderr
     */
    public static TaipanPool start(PoolConfig config) {
        return new TaipanPool(PoolEngine.start(config));
    }

    @Override
    public Object call(String function, Object args, CallOptions options) {
        return engine.call(function, args, options);
    }

    @Override
    public CompletableFuture<Object> callAsync(String function, Object args, CallOptions options) {
        return engine.callAsync(function, args, options);
    }

    /** A session pinned to the least-loaded ready worker. */
    public Session openSession() {
        return engine.openSession(SessionOptions.DEFAULT);
    }

    /**
     * A session pinned to the least-loaded ready worker, opened with {@code options}: with
     * {@link SnapshotPolicy snapshots} it survives the loss of its worker.
     */
    public Session openSession(SessionOptions options) {
        return engine.openSession(java.util.Objects.requireNonNull(options, "options"));
    }

    public PoolStats stats() {
        return engine.stats();
    }

    public PoolHealth health() {
        return engine.health();
    }

    public List<WorkerInfo> workers() {
        return engine.workers();
    }

    public PoolConfig config() {
        return engine.config();
    }

    /**
     * Stops taking calls, waits up to {@link PoolConfig#drainTimeout()} for in-flight calls,
     * then stops the workers (SIGTERM, then SIGKILL of each process tree). Idempotent.
     */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "TaipanPool{" + engine.config().name() + ": " + engine.stats() + "}";
    }
}
