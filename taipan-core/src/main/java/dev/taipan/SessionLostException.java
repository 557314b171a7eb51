package dev.taipan;

/** The worker that held the session died; its Python-side state is gone. The cause says how the worker ended. */
public class SessionLostException extends TaipanException {
    public SessionLostException(String message) {
        super(message);
    }

    public SessionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
