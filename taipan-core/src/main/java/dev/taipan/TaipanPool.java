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
     * @param config the pool's configuration
     * @return the started pool; close it when done
     * @throws PythonEnvironmentException if the configured Python cannot be found or made
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

    /**
     * A session pinned to the least-loaded ready worker.
     *
     * @return the open session; close it to free its state
     * @throws PoolClosedException if the pool is closed
     */
    public Session openSession() {
        return engine.openSession(SessionOptions.DEFAULT);
    }

    /**
     * A session pinned to the least-loaded ready worker, opened with {@code options}: with
     * {@link SnapshotPolicy snapshots} it survives the loss of its worker.
     *
     * @param options how to open it, not null
     * @return the open session; close it to free its state
     * @throws PoolClosedException if the pool is closed
     */
    public Session openSession(SessionOptions options) {
        return engine.openSession(java.util.Objects.requireNonNull(options, "options"));
    }

    /** {@return a consistent snapshot of the pool's counters, taken under its lock briefly} */
    public PoolStats stats() {
        return engine.stats();
    }

    /** {@return what the pool can do now and why, with its counters and workers} */
    public PoolHealth health() {
        return engine.health();
    }

    /** {@return the live workers now, an unmodifiable snapshot} */
    public List<WorkerInfo> workers() {
        return engine.workers();
    }

    /** {@return the configuration the pool started with ({@link PoolStats#targetWorkers} is its size now)} */
    public PoolConfig config() {
        return engine.config();
    }

    /**
     * Changes how many workers the pool keeps, at once, and returns without waiting for them.
     * Growing starts the missing workers (forked from the zygote in {@link StartMode#ZYGOTE}
     * mode); {@link #health()} is {@code HEALTHY} again once they are ready. While the start
     * circuit is open nothing starts: the target stands, and the workers start after the first
     * probe succeeds. Shrinking retires the workers that cost least to lose (starting ones, then
     * those holding the fewest sessions, then the least busy): a retired worker takes no new
     * call, finishes those in flight and exits, and calls waiting go to the workers that stay,
     * so no call fails. A retired worker holding sessions is never cut off: it goes on serving
     * them (only them) and leaves when they have closed or been evicted idle; a later grow takes
     * it back first. Sessions are not moved, even with snapshots.
     *
     * <p>The last resize wins: each compares the target with the workers the pool keeps now, under
     * the pool's lock, so resizes, crash replacements and recycles running at the same time
     * neither start a worker too many nor leave one missing; a retired worker that crashes is
     * not replaced.
     *
     * @param workers the number of workers to keep
     * @throws IllegalArgumentException if {@code workers} is not between 1 and {@link PoolConfig#MAX_WORKERS}
     * @throws PoolClosedException      if the pool is closed
     */
    public void resize(int workers) {
        engine.resize(workers);
    }

    /**
     * Replaces every worker serving now, one at a time, without losing capacity or a call: each
     * one's successor starts first; once it is ready the old worker takes no new calls, finishes
     * its own and exits. A worker holding sessions is replaced too, but retires (its sessions stay
     * with it and it leaves when they close). Use it to pick up new Python code or to shed
     * memory. The future completes once every one has been replaced; exceptionally with a
     * {@link TaipanException} naming the workers whose successor could not start (they keep
     * serving), or a {@link PoolClosedException} if the pool closes first.
     *
     * @return a future completed once every worker serving now has been replaced
     *
     * @throws PoolClosedException if the pool is closed
     */
    public CompletableFuture<Void> recycleWorkers() {
        return engine.recycleWorkers();
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
