package dev.taipan;

/** The worker process exited or closed its connection while the call was in flight. */
public class WorkerCrashedException extends WorkerLostException {
    /**
     * A worker that exited or closed its connection.
     *
     * @param message what happened, for humans
     * @param workerId   the worker
     * @param exitCode   its exit status, or null if unknown
     * @param signal     the signal that killed it, or null
     * @param stderrTail its last stderr lines, or null
     * @param cause      what the pool noticed, or null
     */
    public WorkerCrashedException(String message, String workerId, Integer exitCode, Integer signal,
                                  String stderrTail, Throwable cause) {
        super(message, workerId, exitCode, signal, stderrTail, cause);
    }
}
