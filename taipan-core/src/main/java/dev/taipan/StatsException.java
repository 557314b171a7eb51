package dev.taipan;

/**
 * A failure caused by the pool's state (busy, overloaded, unavailable); it carries the pool
 * stats at the moment it happened, and prints them in its message.
 */
public abstract class StatsException extends TaipanException {
    private final PoolStats stats;

    protected StatsException(String message, PoolStats stats) {
        super(message + " [" + stats + "]");
        this.stats = stats;
    }

    public PoolStats stats() {
        return stats;
    }
}
