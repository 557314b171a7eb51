package dev.taipan;

/** The caller cancelled the call or interrupted the thread waiting for it. The worker was told to cancel; the caller's thread keeps its interrupt flag. */
public class CallCancelledException extends TaipanException {
    /**
     * A cancelled call.
     *
     * @param message what happened, for humans
     */
    public CallCancelledException(String message) {
        super(message);
    }

    /**
     * A cancelled call.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public CallCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
