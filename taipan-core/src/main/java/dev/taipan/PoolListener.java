package dev.taipan;

import java.time.Duration;

/**
 * Lifecycle events of a pool, for metrics and tracing. Every method has an empty default;
 * implement what you need. Methods run on pool threads and must return quickly; an
 * exception thrown here is logged and ignored.
 */
public interface PoolListener {
    PoolListener NONE = new PoolListener() {
    };

    /** How a call ended; CONSUMER_FAILED: its chunk consumer threw (the call was cancelled in Python). */
    enum Outcome { SUCCESS, PYTHON_ERROR, TIMEOUT, CANCELLED, WORKER_LOST, REJECTED, CONSUMER_FAILED }

    default void workerStarting(String workerId) {
    }

    default void workerReady(WorkerInfo worker, Duration startTime) {
    }

    /** A worker's process ended; exit code is null when unknown. */
    default void workerExited(String workerId, Integer exitCode, String reason) {
    }

    /** A new worker was started in place of one that exited. */
    default void workerReplaced(String oldWorkerId, String newWorkerId) {
    }

    /** A call ended; workerId is null when it never reached a worker. */
    default void callCompleted(String function, String workerId, Duration duration, Outcome outcome) {
    }
}
