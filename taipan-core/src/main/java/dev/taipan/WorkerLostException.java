package dev.taipan;

/**
 * The worker running the call went away before answering. The subclass says how; the pool
 * replaces the worker. The call may or may not have run: retry only if it is idempotent.
 */
public class WorkerLostException extends TaipanException {
    private final String workerId;
    private final Integer exitCode;
    private final Integer signal;
    private final String stderrTail;

    public WorkerLostException(String message, String workerId, Integer exitCode, Integer signal,
                               String stderrTail, Throwable cause) {
        super(message, cause);
        this.workerId = workerId;
        this.exitCode = exitCode;
        this.signal = signal;
        this.stderrTail = stderrTail == null ? "" : stderrTail;
    }

    public String workerId() { return workerId; }
    /** The process exit status, or null if unknown; a signal death shows as 128 + signal. */
    public Integer exitCode() { return exitCode; }
    /** The signal that killed the process (9 for SIGKILL), or null. */
    public Integer signal() { return signal; }
    /** The last lines the worker wrote to stderr. */
    public String stderrTail() { return stderrTail; }
}
