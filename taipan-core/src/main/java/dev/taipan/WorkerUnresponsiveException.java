package dev.taipan;

/**
 * The worker stopped answering: no frame, not even a heartbeat reply, for three heartbeat
 * intervals (its event loop is stuck, e.g. in C code holding the GIL, or deadlocked). It
 * was killed and is being replaced.
 */
public class WorkerUnresponsiveException extends WorkerLostException {
    /**
     * A worker that stopped answering.
     *
     * @param message what happened, for humans
     * @param workerId   the worker
     * @param exitCode   its exit status, or null if unknown
     * @param signal     the signal that killed it, or null
     * @param stderrTail its last stderr lines, or null
     * @param cause      what the pool noticed, or null
     */
    public WorkerUnresponsiveException(String message, String workerId, Integer exitCode, Integer signal,
                                       String stderrTail, Throwable cause) {
        super(message, workerId, exitCode, signal, stderrTail, cause);
    }
}
