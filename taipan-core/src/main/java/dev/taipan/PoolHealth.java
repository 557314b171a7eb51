package dev.taipan;

import java.util.List;

/**
 * What the pool can do right now and why. {@code reason} is a sentence for humans: which
 * workers are missing, what the last start failure printed, why the circuit is open.
 */
public record PoolHealth(Status status, String reason, PoolStats stats, List<WorkerInfo> workers) {
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
        CLOSED
    }

    public boolean isServing() {
        return stats.ready() > 0 && status != Status.CLOSED;
    }
}
