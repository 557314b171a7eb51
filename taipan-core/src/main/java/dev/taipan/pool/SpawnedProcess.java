package dev.taipan.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A worker this JVM started itself: the JDK reaps it and knows its exit status. */
final class SpawnedProcess implements WorkerProcess {
    private final Process process;
    private final CompletableFuture<Integer> exit;

    SpawnedProcess(Process process) {
        this.process = process;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
        return exit;
    }

    @Override
    public void terminate() {
        // Through the handle: Process.destroy() would also close our ends of the worker's
        // stdout/stderr pipes, losing its last log lines.
        process.toHandle().destroy();
    }

    @Override
    public List<ProcessHandle> tree() {
        return ProcessTrees.snapshot(process.toHandle());
    }
}
