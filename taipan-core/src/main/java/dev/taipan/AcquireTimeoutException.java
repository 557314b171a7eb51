package dev.taipan;

/** No worker slot became free within the acquire timeout. */
public class AcquireTimeoutException extends PoolCapacityException {
    public AcquireTimeoutException(String message, PoolStats stats) {
        super(message, stats);
    }
}
