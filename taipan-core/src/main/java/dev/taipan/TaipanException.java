package dev.taipan;

/**
 * Base class of every exception Taipan throws for a failed call or pool operation.
 * Catching it catches them all; the subclasses say what happened and carry the details
 * (pool stats, Python traceback, worker exit status) needed to act on it.
 */
public class TaipanException extends RuntimeException {
    /**
     * A failure that no subclass describes better; the subclasses pass their message (and cause) through.
     *
     * @param message what happened, for humans
     */
    public TaipanException(String message) {
        super(message);
    }

    /**
     * A failure that no subclass describes better; the subclasses pass their message (and cause) through.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public TaipanException(String message, Throwable cause) {
        super(message, cause);
    }
}
