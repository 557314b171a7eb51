package dev.taipan;

/** Every slot is busy and the wait queue is full (PoolConfig.maxWaiting): the call was refused at once. */
public class WaitQueueFullException extends PoolCapacityException {
    public WaitQueueFullException(String message, PoolStats stats) {
        super(message, stats);
    }
}
