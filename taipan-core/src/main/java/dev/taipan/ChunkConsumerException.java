package dev.taipan;

/**
 * The call's chunk consumer threw. The call fails with this exception, whose cause is what
 * the consumer threw; the worker was told to cancel the call and stays healthy. No chunk is
 * delivered after the one that failed.
 */
public class ChunkConsumerException extends TaipanException {
    /**
     * A call whose chunk consumer threw.
     *
     * @param message what happened, for humans
     * @param cause   what the consumer threw
     */
    public ChunkConsumerException(String message, Throwable cause) {
        super(message, cause);
    }
}
