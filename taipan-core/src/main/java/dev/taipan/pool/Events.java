package dev.taipan.pool;

import dev.taipan.PoolListener;
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

    void workerStarting(String id) {
        safely(() -> listener.workerStarting(id));
    }

    void workerReady(WorkerInfo info, Duration startTime) {
        safely(() -> listener.workerReady(info, startTime));
    }

    void workerExited(String id, Integer exitCode, String reason) {
        safely(() -> listener.workerExited(id, exitCode, reason));
    }

    void workerReplaced(String oldId, String newId) {
        safely(() -> listener.workerReplaced(oldId, newId));
    }

    void callCompleted(String function, String workerId, Duration d, PoolListener.Outcome outcome) {
        if (listener != PoolListener.NONE) {
            safely(() -> listener.callCompleted(function, workerId, d, outcome));
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
