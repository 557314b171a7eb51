package dev.taipan;

/**
 * The worker stopped answering: no frame, not even a heartbeat reply, for three heartbeat
 * intervals (its event loop is stuck, e.g. in C code holding the GIL, or deadlocked). It
 * was killed and is being replaced.
 */
public class WorkerUnresponsiveException extends WorkerLostException {
    public WorkerUnresponsiveException(String message, String workerId, Integer exitCode, Integer signal,
                                       String stderrTail, Throwable cause) {
        super(message, workerId, exitCode, signal, stderrTail, cause);
    }
}
