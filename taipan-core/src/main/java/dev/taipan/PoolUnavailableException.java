package dev.taipan;

/** No worker can serve the call: none is ready and starting workers keeps failing (the circuit is open). PoolHealth says why. */
public class PoolUnavailableException extends PoolCapacityException {
    public PoolUnavailableException(String message, PoolStats stats) {
        super(message, stats);
    }
}
