package dev.taipan;

/** The caller cancelled the call or interrupted the thread waiting for it. The worker was told to cancel; the caller's thread keeps its interrupt flag. */
public class CallCancelledException extends TaipanException {
    /**
     * Thrown when the caller cancels the call or interrupts the thread waiting for it.
     *
     * @param message what happened, for humans
     */
    public CallCancelledException(String message) {
        super(message);
    }

    /**
     * Thrown when the caller cancels the call or interrupts the thread waiting for it.
     *
     * @param message what happened, for humans
     * @param cause   what caused it
     */
    public CallCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
