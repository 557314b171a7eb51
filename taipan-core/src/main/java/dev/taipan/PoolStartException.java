package dev.taipan;

/**
 * The pool could not start: a worker exited or timed out before saying hello. The message
 * includes the worker's exit status and the end of its stderr (usually a Python traceback).
 */
public class PoolStartException extends TaipanException {
    /** The failing worker's exit status, or null. */
    private final Integer exitCode;
    /** The end of its stderr, never null. */
    private final String stderrTail;

    /**
     * A pool that could not start.
     *
     * @param message    what happened, for humans
     * @param exitCode   the failing worker's exit status, or null if unknown (or it did not exit)
     * @param stderrTail the end of its stderr, or null for none
     * @param cause      what failed, or null
     */
    public PoolStartException(String message, Integer exitCode, String stderrTail, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.stderrTail = stderrTail == null ? "" : stderrTail;
    }

    /** {@return the failing worker's exit status, or null if unknown (or it timed out without exiting)} */
    public Integer exitCode() { return exitCode; }
    /** {@return the end of the failing worker's stderr (secrets redacted), empty if none} */
    public String stderrTail() { return stderrTail; }
}
