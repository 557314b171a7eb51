package dev.taipan;

/** The session was closed by its owner or evicted after its idle timeout; its Python-side state is gone. */
public class SessionClosedException extends TaipanException {
    /**
     * A call on a closed or evicted session.
     *
     * @param message what happened, for humans
     */
    public SessionClosedException(String message) {
        super(message);
    }

    /**
     * A call on a closed or evicted session.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public SessionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
