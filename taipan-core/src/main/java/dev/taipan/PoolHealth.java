package dev.taipan;

import java.util.List;

/**
 * What the pool can do right now and why. {@code reason} is a sentence for humans: which
 * workers are missing, what the last start failure printed, why the circuit is open.
 *
 * @param status  what the pool can do
 * @param reason  why, a sentence for humans
 * @param stats   the counters when the health was taken
 * @param workers each live worker when the health was taken
 */
public record PoolHealth(Status status, String reason, PoolStats stats, List<WorkerInfo> workers) {
    /** The pool's state, from best to worst but for {@code CLOSED}. */
    public enum Status {
        /** All workers ready. */
        HEALTHY,
        /** Calls are served, but some workers are starting or being replaced. */
        DEGRADED,
        /** Every slot of every ready worker is busy and calls are waiting: add workers or slots. */
        SATURATED,
        /** The pool is starting and no worker is ready yet. */
        STARTING,
        /** Workers keep failing to start; the pool probes at an interval instead of respawning. */
        CIRCUIT_OPEN,
        /** The pool was closed: it takes no call. */
        CLOSED
    }

    /** {@return whether a call made now can run: a worker is ready and the pool is open} */
    public boolean isServing() {
        return stats.ready() > 0 && status != Status.CLOSED;
    }
}
