package dev.taipan.pool;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A worker's operating-system process, however it was started: spawned by this JVM
 * ({@link SpawnedProcess}) or forked by the pool's zygote ({@link ForkedProcess}). The engine
 * handles both alike; only how the exit status is learnt differs.
 */
interface WorkerProcess {
    long pid();

    boolean isAlive();

    /** Completes with the exit status (128 + signal number when killed by a signal), or null if unknown. */
    CompletableFuture<Integer> onExit();

    /** The exit status, or null if the process is still running after {@code millis}. */
    default Integer awaitExit(long millis) {
        try {
            return onExit().get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return onExit().getNow(null);
        } catch (java.util.concurrent.ExecutionException e) {
            return null;
        }
    }

    /** SIGTERM: the worker drains and exits. */
    void terminate();

    /** The process and all its current descendants, deepest first. */
    List<ProcessHandle> tree();

    /**
     * The remote host the process runs on, named in every loss of its worker; null for a
     * process on this machine (whose pid this JVM can see, measure and signal).
     */
    default String remoteHost() {
        return null;
    }

    /** How the process ended when its exit status is unknown (null): for the loss's message. */
    default String unknownExit() {
        return "ended with its zygote (exit status unknown)";
    }

    /** SIGKILL to the process and its descendants. */
    default void kill() {
        ProcessTrees.kill(tree());
    }
}
