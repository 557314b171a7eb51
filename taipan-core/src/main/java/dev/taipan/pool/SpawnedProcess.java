package dev.taipan.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A worker this JVM started itself: the JDK reaps it and knows its exit status. */
final class SpawnedProcess implements WorkerProcess {
    /** Whether spawned workers run below a guardian: Linux only (it needs child subreapers). */
    private static final boolean GUARDED = System.getProperty("os.name", "").startsWith("Linux");
    private static final long GUARDIAN_GRACE_MILLIS = 1_000;
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

    /**
     * On Linux the process we started is the worker's guardian (see process.py): everything
     * below it is SIGKILLed, and the guardian, which reaps them all before it exits, is given a
     * moment to do so, so that once it is gone, all of them are. Killing it first would leave
     * its child dying unreaped (and what that child left, to init).
     */
    @Override
    public void kill() {
        if (!GUARDED) {
            WorkerProcess.super.kill();
            return;
        }
        List<ProcessHandle> tree = tree();
        tree.subList(0, tree.size() - 1).forEach(ProcessTrees::killIfAlive);
        if (awaitExit(GUARDIAN_GRACE_MILLIS) == null) {
            ProcessTrees.kill(tree());
        }
    }
}
