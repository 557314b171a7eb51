package dev.taipan;

/**
 * The worker running the call went away before answering. The subclass says how; the pool
 * replaces the worker. The call may or may not have run: retry only if it is idempotent.
 */
public class WorkerLostException extends TaipanException {
    /** The worker lost. */
    private final String workerId;
    /** Its exit status, or null. */
    private final Integer exitCode;
    /** The signal that killed it, or null. */
    private final Integer signal;
    /** Its last stderr lines, never null. */
    private final String stderrTail;

    /**
     * Made by the pool when a worker is lost; the subclasses say how.
     *
     * @param message    what happened, for humans
     * @param workerId   the worker lost
     * @param exitCode   its exit status, or null if unknown
     * @param signal     the signal that killed it, or null
     * @param stderrTail its last stderr lines, or null for none
     * @param cause      what the pool noticed first (an EOF, a protocol error), or null
     */
    public WorkerLostException(String message, String workerId, Integer exitCode, Integer signal,
                               String stderrTail, Throwable cause) {
        super(message, cause);
        this.workerId = workerId;
        this.exitCode = exitCode;
        this.signal = signal;
        this.stderrTail = stderrTail == null ? "" : stderrTail;
    }

    /** {@return the worker that was lost} */
    public String workerId() { return workerId; }
    /** {@return the process exit status, or null if unknown; a signal death shows as 128 + signal} */
    public Integer exitCode() { return exitCode; }
    /** {@return the signal that killed the process (9 for SIGKILL), or null} */
    public Integer signal() { return signal; }
    /** {@return the last lines the worker wrote to stderr (secrets redacted), empty if none} */
    public String stderrTail() { return stderrTail; }
}
