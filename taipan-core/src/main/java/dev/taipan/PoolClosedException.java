package dev.taipan;

/** The pool is closed (or closing) and takes no new calls; calls still waiting when it closed fail with this too. */
public class PoolClosedException extends TaipanException {
    public PoolClosedException(String message) {
        super(message);
    }

    public PoolClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
