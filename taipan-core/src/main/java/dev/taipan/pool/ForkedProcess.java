package dev.taipan.pool;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A worker the pool's {@link Zygote} forked. Its parent is the zygote, not this JVM, so the
 * JDK cannot reap it: the zygote reports its exit status over the control channel, and if the
 * zygote itself dies the status is unknown (null) once the process is gone.
 */
final class ForkedProcess implements WorkerProcess {
    private final long pid;
    private final ProcessHandle handle;
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final OutputPump stdout;
    final OutputPump stderr;

    ForkedProcess(long pid, OutputPump stdout, OutputPump stderr) {
        this.pid = pid;
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        this.handle = h.orElse(null);
        this.stdout = stdout;
        this.stderr = stderr;
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
        return exit;
    }

    @Override
    public void terminate() {
        if (handle != null && !exit.isDone()) {
            handle.destroy();
        }
    }

    @Override
    public List<ProcessHandle> tree() {
        return handle == null || exit.isDone() ? List.of() : ProcessTrees.snapshot(handle);
    }
}
