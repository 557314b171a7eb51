package dev.taipan;

/** The worker process exited or closed its connection while the call was in flight. */
public class WorkerCrashedException extends WorkerLostException {
    public WorkerCrashedException(String message, String workerId, Integer exitCode, Integer signal,
                                  String stderrTail, Throwable cause) {
        super(message, workerId, exitCode, signal, stderrTail, cause);
    }
}
