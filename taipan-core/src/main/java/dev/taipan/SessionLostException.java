package dev.taipan;

/** The worker that held the session died; its Python-side state is gone. The cause says how the worker ended. */
public class SessionLostException extends TaipanException {
    /**
     * Thrown for a session's calls once its worker died and the session could not move to another one.
     *
     * @param message what happened, for humans
     */
    public SessionLostException(String message) {
        super(message);
    }

    /**
     * Thrown for a session's calls once its worker died and the session could not move to another one.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public SessionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
