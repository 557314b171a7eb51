package dev.taipan.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fake worker's "process": no operating-system process at all, so the pool can never signal
 * a real one. Its exit is whatever the fake decides (0 clean, 2 import failure, 137 SIGKILL,
 * 139 SIGSEGV, ...); {@link #terminate} is SIGTERM (the worker drains, then exits 0) and
 * {@link #kill} is SIGKILL (exit 137 at once).
 */
final class FakeProcess implements WorkerProcess {
    /**
     * Fake pids start above Linux's largest possible pid (2^22), so no code that looks a pid up
     * (or, by mistake, signals it) can ever reach a real process.
     */
    static final long PID_BASE = 10_000_000;

    private final long pid;
    private final FakeWorker worker;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean killed;

    FakeProcess(long pid, FakeWorker worker) {
        this.pid = pid;
        this.worker = worker;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public boolean isAlive() {
        return !exit.isDone();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
        return exit.copy(); // the pool's dependants must not be able to complete ours
    }

    @Override
    public void terminate() {
        terminated.complete(null);
        worker.startDraining();
    }

    @Override
    public List<ProcessHandle> tree() {
        return List.of();
    }

    @Override
    public void kill() {
        killed = true;
        worker.exit(137);
    }

    /** Completes once the pool sent SIGTERM. */
    CompletableFuture<Void> terminated() {
        return terminated;
    }

    /** Whether the pool sent SIGKILL. */
    boolean wasKilled() {
        return killed;
    }

    /** The exit status, once the fake exited. */
    CompletableFuture<Integer> exitStatus() {
        return exit.copy();
    }

    void exited(int status) {
        exit.complete(status);
    }
}
