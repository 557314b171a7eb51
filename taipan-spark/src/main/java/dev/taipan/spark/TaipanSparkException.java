package dev.taipan.spark;

import dev.taipan.TaipanException;

/**
 * A row's run failed and the transform was told to fail the task for it
 * ({@link TaipanTransform.Builder#failOnError(boolean)}); the cause is the run's error.
 */
public class TaipanSparkException extends TaipanException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which row, and what its run said
     * @param cause   the run's error
     */
    public TaipanSparkException(String message, Throwable cause) {
        super(message, cause);
    }
}
