package dev.taipan.pool;

import java.util.concurrent.CompletableFuture;

/**
 * Where workers come from: the seam between the pool and the way its workers are started
 * and reached. The pool asks for a worker and gets back, separately, its process (to watch
 * for its exit, stop it, measure it) and its connection (once it has authenticated). The
 * pool never learns how: today's source is {@link LocalWorkerSource} (processes on this host,
 * spawned or forked, over a Unix socket); a source of workers on other hosts, or the in-JVM
 * fake the engine's own tests use, plugs in here without the pool changing.
 */
interface WorkerSource extends AutoCloseable {

    /**
     * Starts worker {@code w}. Either future may fail; if the process fails, the connection
     * is cancelled by the caller. The source may fill in the worker's output pumps
     * ({@link Worker#stdout}, {@link Worker#stderr}) and its process.
     */
    Launch launch(Worker w);

    /** Stops starting workers and frees what the source holds (a socket, a zygote). */
    @Override
    void close();

    /** A worker being started: its process, and its connection once it has authenticated. */
    record Launch(CompletableFuture<WorkerProcess> process, CompletableFuture<Connection> connection) {
    }

    /** Makes a pool's source; called once, as the pool is built. */
    @FunctionalInterface
    interface Factory {
        WorkerSource create(SourceContext context) throws java.io.IOException;
    }

    /**
     * What a source may use of the pool that owns it; {@code python} is the resolved command
     * that runs Python (an interpreter, or a launcher and its words).
     */
    record SourceContext(dev.taipan.PoolConfig config, java.util.List<String> python, String runId,
                         PoolThreads threads, Redactor redactor) {
    }
}
