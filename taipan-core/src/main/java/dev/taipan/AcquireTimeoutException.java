package dev.taipan;

/** No worker slot became free within the acquire timeout. */
public class AcquireTimeoutException extends PoolCapacityException {
    /**
     * A call that waited {@link PoolConfig#acquireTimeout()} for a slot.
     *
     * @param message what happened, for humans
     * @param stats   the pool's counters when it happened
     */
    public AcquireTimeoutException(String message, PoolStats stats) {
        super(message, stats);
    }
}
