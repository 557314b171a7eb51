package dev.taipan;

/** The session was closed by its owner or evicted after its idle timeout; its Python-side state is gone. */
public class SessionClosedException extends TaipanException {
    /**
     * Thrown for a call on a session closed by its owner or evicted after {@link PoolConfig#sessionIdleTimeout()}.
     *
     * @param message what happened, for humans
     */
    public SessionClosedException(String message) {
        super(message);
    }

    /**
     * Thrown for a call on a session closed by its owner or evicted after {@link PoolConfig#sessionIdleTimeout()}.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public SessionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
