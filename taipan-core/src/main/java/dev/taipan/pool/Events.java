package dev.taipan.pool;

import dev.taipan.PoolListener;
import dev.taipan.PoolView;
import dev.taipan.WorkerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** Calls the user's {@link PoolListener}, so a throwing listener can never break the pool. */
final class Events {
    private static final Logger LOG = LoggerFactory.getLogger(Events.class);
    private final PoolListener listener;
    private final String poolName;

    Events(PoolListener listener, String poolName) {
        this.listener = listener;
        this.poolName = poolName;
    }

    void poolStarting(PoolView view) {
        safely(() -> listener.poolStarting(view));
    }

    void workerStarting(String id) {
        safely(() -> listener.workerStarting(id));
    }

    void workerReady(WorkerInfo info, Duration startTime) {
        safely(() -> listener.workerReady(info, startTime));
    }

    void workerExited(String id, Integer exitCode, String reason) {
        safely(() -> listener.workerExited(id, exitCode, reason));
    }

    void workerLost(String id, PoolListener.WorkerLoss cause) {
        safely(() -> listener.workerLost(id, cause));
    }

    void workerReplaced(String oldId, String newId) {
        safely(() -> listener.workerReplaced(oldId, newId));
    }

    void workerRecycled(String id, PoolListener.RecycleReason reason) {
        safely(() -> listener.workerRecycled(id, reason));
    }

    void callRetried(String function, String lostWorkerId) {
        safely(() -> listener.callRetried(function, lostWorkerId));
    }

    void circuitOpened(int consecutiveFailures) {
        safely(() -> listener.circuitOpened(consecutiveFailures));
    }

    void circuitClosed() {
        safely(listener::circuitClosed);
    }

    /** The hot path: nothing is built for a pool without listeners. */
    void callCompleted(PendingCall call, Worker w, PoolListener.Outcome outcome, boolean registered) {
        if (listener != PoolListener.NONE) {
            long end = System.nanoTime();
            long sent = call.firstSentNanos;
            Duration wait = Duration.ofNanos((sent == 0 ? end : sent) - call.startNanos);
            PoolListener.CallEnd e = new PoolListener.CallEnd(call.function, registered, w == null ? null : w.id,
                    Duration.ofNanos(end - call.startNanos), wait, outcome);
            safely(() -> listener.callCompleted(e));
        }
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("pool {}: PoolListener threw; ignored", poolName, e);
        }
    }
}
