package dev.taipan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Lifecycle events of a pool, for metrics and tracing. Every method has an empty default;
 * implement what you need. Methods run on pool threads and must return quickly; an
 * exception thrown here is logged and ignored.
 *
 * <p>A pool may have several listeners: {@link PoolConfig.Builder#listener} adds one each
 * time it is called (a Spring application combines its own listener with the metrics one),
 * and {@link #all} combines listeners into one. Listeners are told in the order they were
 * added; one that throws does not stop the others.
 */
public interface PoolListener {
    /** The listener that does nothing: the default, and what {@link #all} leaves out. */
    PoolListener NONE = new PoolListener() {
    };

    /** How a call ended. */
    enum Outcome {
        /** The function returned (or its stream ended) normally. */
        SUCCESS,
        /** The function raised (the caller got a {@link PythonException}), or its answer could not be decoded. */
        PYTHON_ERROR,
        /** The call's own timeout ran out, while it waited for a slot or while it ran. */
        TIMEOUT,
        /** The caller cancelled it (or the worker reported it cancelled). */
        CANCELLED,
        /** Its worker died, was killed or turned unresponsive while it ran (and it was not retried). */
        WORKER_LOST,
        /**
         * The pool could not serve it: no slot within the acquire timeout, a full wait queue, no
         * worker while the circuit is open, or the pool closed (before it ran, or while it ran).
         */
        REJECTED,
        /** Its chunk consumer threw (the call was cancelled in Python). */
        CONSUMER_FAILED
    }

    /**
     * Why a worker was lost (and replaced, unless the pool is closing).
     * <ul>
     *   <li>CRASHED: it exited by itself (a non-zero status, exit 0 unasked, a fatal signal of its own);</li>
     *   <li>KILLED: SIGKILL or SIGTERM from outside the pool (an operator, the OOM killer);</li>
     *   <li>UNRESPONSIVE: it sent nothing for three heartbeat intervals and the pool killed it;</li>
     *   <li>PROTOCOL_ERROR: it sent a frame the pool could not accept;</li>
     *   <li>START_FAILED: it never became ready (it exited, or did not say hello in time).</li>
     * </ul>
     */
    enum WorkerLoss {
        /** It exited by itself: a non-zero status, exit 0 unasked, or a fatal signal of its own. */
        CRASHED,
        /** SIGKILL or SIGTERM from outside the pool. */
        KILLED,
        /** It sent nothing for three heartbeat intervals and the pool killed it. */
        UNRESPONSIVE,
        /** It sent a frame the pool could not accept. */
        PROTOCOL_ERROR,
        /** It never became ready. */
        START_FAILED
    }

    /**
     * Why a healthy worker was recycled: a recycling limit of {@link PoolConfig} (calls, lifetime,
     * resident memory), threads that overran their call, or REQUESTED by
     * {@link TaipanPool#recycleWorkers()} (or its MXBean operation).
     */
    enum RecycleReason {
        /** It ran {@link PoolConfig#maxCallsPerWorker()} calls. */
        CALLS,
        /** It lived {@link PoolConfig#maxWorkerLifetime()} (less its jitter). */
        LIFETIME,
        /** Its resident memory exceeded {@link PoolConfig#maxWorkerRssBytes()}. */
        MEMORY,
        /** Threads of its calls kept running after their calls had ended (timed out, cancelled). */
        OVERRUN,
        /** {@link TaipanPool#recycleWorkers()} or the MXBean's operation asked for it. */
        REQUESTED
    }

    /**
     * A call's end, as {@link #callCompleted(CallEnd)} reports it.
     *
     * @param function   the function called, as the caller named it
     * @param registered whether a worker of this pool registered that function (its hello named
     *                   it): false for a name no worker knows, so a listener that tags by function
     *                   can keep its tag values bounded by tagging only registered names
     * @param workerId   the worker that ran it last, or null when it never reached one
     * @param duration   from submission to the end
     * @param slotWait   how long it waited for a worker slot before it was first sent (zero if a
     *                   slot was free; the whole duration if it never got one)
     * @param outcome    how it ended
     */
    record CallEnd(String function, boolean registered, String workerId, Duration duration, Duration slotWait,
                   Outcome outcome) {
        /**
         * Checks that only {@code workerId} may be null.
         *
         * @param function   the function called
         * @param registered whether a worker of this pool registered it
         * @param workerId   the worker that ran it last, or null
         * @param duration   from submission to the end
         * @param slotWait   the wait for a slot
         * @param outcome    how it ended
         * @throws NullPointerException if another component is null
         */
        public CallEnd {
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(slotWait, "slotWait");
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /**
     * The pool is being built, before its first worker starts: the listener may keep
     * {@code pool} to read live gauges from (its snapshots take the pool's lock briefly).
     *
     * @param pool the pool's live view, valid for the pool's whole life
     */
    default void poolStarting(PoolView pool) {
    }

    /**
     * A worker is being launched (spawned or forked); it is not ready yet.
     *
     * @param workerId the new worker's id, as in {@link WorkerInfo#id()} once it is ready
     */
    default void workerStarting(String workerId) {
    }

    /**
     * A worker said hello; {@link WorkerInfo#forked()} tells a forked one from a spawned one.
     *
     * @param worker    the worker, as it said hello
     * @param startTime from its launch to its hello
     */
    default void workerReady(WorkerInfo worker, Duration startTime) {
    }

    /**
     * A worker's process ended, planned or not.
     *
     * @param workerId the worker
     * @param exitCode its exit status, or null when unknown
     * @param reason   a sentence for humans: why it ended (or how the pool found out)
     */
    default void workerExited(String workerId, Integer exitCode, String reason) {
    }

    /**
     * A worker was lost, for {@code cause}; a replacement is started unless the pool is
     * closing (a recycled worker's planned exit and the pool's own shutdown are no loss).
     *
     * @param workerId the worker lost
     * @param cause    why it was lost
     */
    default void workerLost(String workerId, WorkerLoss cause) {
    }

    /**
     * A new worker became ready in place of one that exited or was recycled.
     *
     * @param oldWorkerId the worker replaced
     * @param newWorkerId the worker now in its place
     */
    default void workerReplaced(String oldWorkerId, String newWorkerId) {
    }

    /**
     * A healthy worker reached a recycling limit and was told to exit, its successor ready.
     *
     * @param workerId the worker recycled
     * @param reason   which limit it reached, or that it was asked for
     */
    default void workerRecycled(String workerId, RecycleReason reason) {
    }

    /**
     * An idempotent call is run again because its worker was lost.
     *
     * @param function     the function called
     * @param lostWorkerId the worker it was lost with
     */
    default void callRetried(String function, String lostWorkerId) {
    }

    /**
     * Starting workers failed {@code consecutiveFailures} times in a row: calls fail fast while
     * no worker is ready.
     *
     * @param consecutiveFailures the failed starts in a row that opened it
     */
    default void circuitOpened(int consecutiveFailures) {
    }

    /** A worker started again after the circuit had opened. */
    default void circuitClosed() {
    }

    /**
     * A call ended. The pool calls {@link #callCompleted(CallEnd)}, whose default calls this;
     * implement that one to see the slot wait too.
     *
     * @param function the function called
     * @param workerId the worker that ran it last, or null when it never reached one
     * @param duration from submission to the end
     * @param outcome  how it ended
     */
    default void callCompleted(String function, String workerId, Duration duration, Outcome outcome) {
    }

    /**
     * A call ended, with the time it waited for a slot. The pool calls this one; its default
     * calls {@link #callCompleted(String, String, Duration, Outcome)}, so listeners written
     * for that method keep working.
     *
     * @param call how the call ended
     */
    default void callCompleted(CallEnd call) {
        callCompleted(call.function(), call.workerId(), call.duration(), call.outcome());
    }

    /**
     * One listener telling each of {@code listeners} in turn; one that throws does not keep
     * the next from being told (its exception is logged by the pool).
     *
     * @param listeners the listeners, in the order they are told; none may be null
     * @return the combined listener ({@link #NONE} for none, the one itself for one)
     * @throws NullPointerException if a listener is null
     */
    static PoolListener all(PoolListener... listeners) {
        return all(List.of(listeners));
    }

    /**
     * As {@link #all(PoolListener...)}; {@link #NONE}s are left out, and combined listeners are
     * flattened.
     *
     * @param listeners the listeners, in the order they are told; none may be null
     * @return the combined listener ({@link #NONE} for none, the one itself for one)
     * @throws NullPointerException if a listener is null
     */
    static PoolListener all(List<PoolListener> listeners) {
        List<PoolListener> out = new ArrayList<>();
        for (PoolListener l : listeners) {
            Objects.requireNonNull(l, "listener");
            if (l instanceof PoolListeners) {
                out.addAll(((PoolListeners) l).listeners);
            } else if (l != NONE) {
                out.add(l);
            }
        }
        return out.isEmpty() ? NONE : out.size() == 1 ? out.get(0) : new PoolListeners(List.copyOf(out));
    }
}
