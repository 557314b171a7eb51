package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.PoolListener.RecycleReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Replaces healthy workers that reached a limit (calls served, lifetime, resident memory, or
 * calls whose threads overran their deadline) without losing capacity: a new worker starts
 * first; once it is ready the old one takes no new calls, finishes its own, and exits. One
 * worker at a time; workers holding sessions wait until their sessions close.
 */
final class Recycler {
    private static final Logger LOG = LoggerFactory.getLogger(Recycler.class);

    private final PoolState state;
    private final PoolConfig config;
    private final WorkerSupervisor supervisor;
    private final ScheduledExecutorService scheduler;
    private final Events events;

    Recycler(PoolState state, WorkerSupervisor supervisor, ScheduledExecutorService scheduler, Events events) {
        this.events = events;
        this.state = state;
        this.config = state.config;
        this.supervisor = supervisor;
        this.scheduler = scheduler;
    }

    /** Whether any recycling limit is set (then {@link #check} runs on the timer). */
    boolean hasLimits() {
        return !config.maxWorkerLifetime().isZero() || config.maxWorkerRssBytes() > 0 || config.maxCallsPerWorker() > 0;
    }

    /** How often the limits are checked: a tenth of the lifetime, within 50 ms .. 1 s. */
    long checkPeriodMillis() {
        return Math.max(50, Math.min(1_000, config.maxWorkerLifetime().isZero() ? 1_000
                : config.maxWorkerLifetime().toMillis() / 10));
    }

    /** A call of the worker ended: it may have reached its call limit, or finished draining. */
    void onSlotFreed(Worker w) {
        if (config.maxCallsPerWorker() > 0 && w.callsCompleted >= config.maxCallsPerWorker()) {
            recycle(w, RecycleReason.CALLS, w.callsCompleted + " calls");
        }
        // On every call's end: look under the lock only for a worker being recycled. The read
        // needs no lock of its own: the dispatcher took the pool's lock just before (freeing the
        // slot), and recycling is only ever set under it.
        if (w.recycling) {
            stopIfDrained(w);
        }
    }

    void recycle(Worker old, RecycleReason reason, String why) {
        state.lock();
        try {
            if (state.closed || state.recyclingOne || old.recycling || old.state != WorkerState.READY
                    || old.sessions > 0) {
                return;
            }
            old.recycling = true;
            old.recycleReason = reason;
            state.recyclingOne = true;
        } finally {
            state.unlock();
        }
        LOG.info("pool {} recycling worker {} ({}): starting its replacement first", config.name(), old.id, why);
        Worker fresh;
        try {
            fresh = supervisor.start(old.id, true);
        } catch (RuntimeException e) {
            abandon(old);
            return;
        }
        fresh.ready.whenComplete((v, e) -> {
            if (e != null) {
                abandon(old);
                return;
            }
            state.lock();
            try {
                if (old.state == WorkerState.READY && old.sessions == 0) {
                    old.drain();
                } else if (old.state == WorkerState.READY) {
                    // A session was opened meanwhile (before openSession saw the flag): keep the
                    // worker; the successor stays as an extra until one of them is retired.
                    old.recycling = false;
                    state.recyclingOne = false;
                }
            } finally {
                state.unlock();
            }
            stopIfDrained(old);
        });
    }

    private void abandon(Worker old) {
        state.lock();
        try {
            old.recycling = false;
            state.recyclingOne = false;
        } finally {
            state.unlock();
        }
        LOG.warn("pool {} could not start a replacement for worker {}; it keeps serving", config.name(), old.id);
    }

    /** A recycled worker with nothing left in flight is told to exit (SIGTERM; it drains). */
    private void stopIfDrained(Worker w) {
        state.lock();
        try {
            if (!w.recycling || w.state != WorkerState.DRAINING || w.inFlight > 0) {
                return;
            }
            w.recycling = false; // stop once
            state.workersRecycled++;
        } finally {
            state.unlock();
        }
        events.workerRecycled(w.id, w.recycleReason);
        WorkerProcess p = w.process;
        if (p != null) {
            p.terminate();
            try {
                scheduler.schedule(() -> {
                    if (p.isAlive()) {
                        p.kill();
                    }
                }, config.killTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // The pool is closing: its shutdown kills what is left.
            }
        }
    }

    /** Lifetime, call-count and memory limits, checked on the timer; at most one recycle per check. */
    void check() {
        long now = System.nanoTime();
        List<Worker> ready = state.workersWhere(w -> w.state == WorkerState.READY && !w.recycling);
        for (Worker w : ready) {
            if (config.maxCallsPerWorker() > 0 && w.callsCompleted >= config.maxCallsPerWorker()) {
                recycle(w, RecycleReason.CALLS, w.callsCompleted + " calls");
                return;
            }
            if (now >= w.recycleAtNanos) {
                recycle(w, RecycleReason.LIFETIME, "lifetime " + config.maxWorkerLifetime());
                return;
            }
            if (config.maxWorkerRssBytes() > 0) {
                long rss = ProcessTrees.rssBytes(w.pid());
                if (rss > config.maxWorkerRssBytes()) {
                    recycle(w, RecycleReason.MEMORY, "resident memory " + rss / (1024 * 1024) + " MiB");
                    return;
                }
            }
        }
    }
}
