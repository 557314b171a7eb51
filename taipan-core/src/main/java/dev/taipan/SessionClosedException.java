package dev.taipan;

/** The session was closed by its owner or evicted after its idle timeout; its Python-side state is gone. */
public class SessionClosedException extends TaipanException {
    public SessionClosedException(String message) {
        super(message);
    }

    public SessionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
