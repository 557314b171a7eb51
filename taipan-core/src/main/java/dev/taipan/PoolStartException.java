package dev.taipan;

/**
 * The pool could not start: a worker exited or timed out before saying hello. The message
 * includes the worker's exit status and the end of its stderr (usually a Python traceback).
 */
public class PoolStartException extends TaipanException {
    private final Integer exitCode;
    private final String stderrTail;

    public PoolStartException(String message, Integer exitCode, String stderrTail, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.stderrTail = stderrTail == null ? "" : stderrTail;
    }

    public Integer exitCode() { return exitCode; }
    public String stderrTail() { return stderrTail; }
}
