package dev.taipan.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A worker's process on a worker host. This JVM cannot see it (its pid is the host's): the
 * host reports its output and its exit on the control connection, and signals it when asked.
 * If the control connection is lost, so is the process as far as the pool knows: its exit
 * completes with an unknown status, and the host ends it once the pool's lease runs out.
 */
final class RemoteProcess implements WorkerProcess {
    private final HostLink link;
    final String workerId;
    private final long pid;
    final int port;
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final OutputPump stdout;
    final OutputPump stderr;
    private volatile String lostHow;

    RemoteProcess(HostLink link, String workerId, long pid, int port, OutputPump stdout, OutputPump stderr) {
        this.link = link;
        this.workerId = workerId;
        this.pid = pid;
        this.port = port;
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
        if (!exit.isDone()) {
            link.stop(workerId, "term");
        }
    }

    /** Nothing of it is on this machine. */
    @Override
    public List<ProcessHandle> tree() {
        return List.of();
    }

    @Override
    public void kill() {
        if (!exit.isDone()) {
            link.stop(workerId, "kill");
        }
    }

    @Override
    public String remoteHost() {
        return link.name;
    }

    @Override
    public String unknownExit() {
        String how = lostHow;
        return how == null ? "lost with its host (exit status unknown)" : how;
    }

    /** The host reported its end. */
    void exited(int status) {
        stdout.end();
        stderr.end();
        exit.complete(status);
    }

    /** The control connection was lost: so is the worker, as far as the pool can tell. */
    void lost(String why) {
        lostHow = why;
        stdout.end();
        stderr.end();
        exit.complete(null);
    }
}
