package dev.taipan;

/** The pool is closed (or closing) and takes no new calls; calls still waiting when it closed fail with this too. */
public class PoolClosedException extends TaipanException {
    /**
     * Thrown for a call or operation after close, and for the calls still waiting or running when the pool closed.
     *
     * @param message what happened, for humans
     */
    public PoolClosedException(String message) {
        super(message);
    }

    /**
     * Thrown for a call or operation after close, and for the calls still waiting or running when the pool closed.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public PoolClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
