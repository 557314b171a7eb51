package dev.taipan;

/**
 * The pool had no worker for the call: every slot stayed busy past the acquire timeout
 * ({@link AcquireTimeoutException}), the wait queue was full ({@link WaitQueueFullException}),
 * or no worker is ready and none can start ({@link PoolUnavailableException}). The call never
 * reached Python, so trying again later is safe whether or not it is idempotent. It carries
 * the pool stats at the moment it happened, and prints them in its message, since they say
 * which of these it was and by how much.
 */
public abstract class PoolCapacityException extends TaipanException {
    /** The pool's counters when it happened. */
    private final PoolStats stats;

    /**
     * A call the pool had no worker for; the message gets the stats appended.
     *
     * @param message what happened, for humans
     * @param stats   the pool's counters when it happened
     */
    protected PoolCapacityException(String message, PoolStats stats) {
        super(message + " [" + stats + "]");
        this.stats = stats;
    }

    /** {@return the pool's counters when it happened} */
    public PoolStats stats() {
        return stats;
    }
}
