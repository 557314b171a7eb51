package dev.taipan;

/** Every slot is busy and the wait queue is full (PoolConfig.maxWaiting): the call was refused at once. */
public class WaitQueueFullException extends PoolCapacityException {
    /**
     * A call refused because {@link PoolConfig#maxWaiting()} calls already wait.
     *
     * @param message what happened, for humans
     * @param stats   the pool's counters when it happened
     */
    public WaitQueueFullException(String message, PoolStats stats) {
        super(message, stats);
    }
}
