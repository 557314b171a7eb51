package dev.taipan;

/** No worker can serve the call: none is ready and starting workers keeps failing (the circuit is open). PoolHealth says why. */
public class PoolUnavailableException extends PoolCapacityException {
    /**
     * A call refused while the circuit is open and no worker is ready.
     *
     * @param message what happened, for humans
     * @param stats   the pool's counters when it happened
     */
    public PoolUnavailableException(String message, PoolStats stats) {
        super(message, stats);
    }
}
