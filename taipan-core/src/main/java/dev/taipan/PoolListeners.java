package dev.taipan;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Several listeners as one ({@link PoolListener#all}): each event goes to every listener in
 * order. One that throws does not keep the others from being told; the first exception is
 * rethrown at the end (the others suppressed in it), for the pool to log.
 */
final class PoolListeners implements PoolListener {
    final List<PoolListener> listeners;

    PoolListeners(List<PoolListener> listeners) {
        this.listeners = listeners;
    }

    private void each(Consumer<PoolListener> event) {
        RuntimeException first = null;
        for (PoolListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void poolStarting(PoolView pool) {
        each(l -> l.poolStarting(pool));
    }

    @Override
    public void workerStarting(String workerId) {
        each(l -> l.workerStarting(workerId));
    }

    @Override
    public void workerReady(WorkerInfo worker, Duration startTime) {
        each(l -> l.workerReady(worker, startTime));
    }

    @Override
    public void workerExited(String workerId, Integer exitCode, String reason) {
        each(l -> l.workerExited(workerId, exitCode, reason));
    }

    @Override
    public void workerLost(String workerId, WorkerLoss cause) {
        each(l -> l.workerLost(workerId, cause));
    }

    @Override
    public void workerReplaced(String oldWorkerId, String newWorkerId) {
        each(l -> l.workerReplaced(oldWorkerId, newWorkerId));
    }

    @Override
    public void workerRecycled(String workerId, RecycleReason reason) {
        each(l -> l.workerRecycled(workerId, reason));
    }

    @Override
    public void callRetried(String function, String lostWorkerId) {
        each(l -> l.callRetried(function, lostWorkerId));
    }

    @Override
    public void circuitOpened(int consecutiveFailures) {
        each(l -> l.circuitOpened(consecutiveFailures));
    }

    @Override
    public void circuitClosed() {
        each(PoolListener::circuitClosed);
    }

    @Override
    public void callCompleted(String function, String workerId, Duration duration, Outcome outcome) {
        each(l -> l.callCompleted(function, workerId, duration, outcome));
    }

    @Override
    public void callCompleted(CallEnd call) {
        each(l -> l.callCompleted(call));
    }

    @Override
    public String toString() {
        return "PoolListener.all" + listeners;
    }
}
