package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.PoolListener.RecycleReason;
import dev.taipan.TaipanException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Replaces healthy workers that reached a limit (calls served, lifetime, resident memory, or
 * calls whose threads overran their deadline) without losing capacity: a new worker starts
 * first; once it is ready the old one takes no new calls, finishes its own, and exits. One
 * worker at a time; workers holding sessions wait until their sessions close (or, recycled on
 * request, retire: they serve only their sessions and leave when those close). Retiring
 * workers of a shrink leave the same way ({@link #retireIfIdle}).
 */
final class Recycler {
    private static final Logger LOG = LoggerFactory.getLogger(Recycler.class);

    private final PoolState state;
    private final PoolConfig config;
    private final WorkerSupervisor supervisor;
    private final ScheduledExecutorService scheduler;
    private final Events events;
    /** Run when a recycle changed which workers the pool keeps (the resizer looks again). */
    private final Runnable keptChanged;

    Recycler(PoolState state, WorkerSupervisor supervisor, ScheduledExecutorService scheduler,
             Events events, Runnable keptChanged) {
        this.events = events;
        this.state = state;
        this.config = state.config;
        this.supervisor = supervisor;
        this.scheduler = scheduler;
        this.keptChanged = keptChanged;
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
        // On every call's end: look under the lock only for a worker being recycled or retired.
        // The read needs no lock of its own: the dispatcher took the pool's lock just before
        // (freeing the slot), and both marks are only ever set under it.
        if (w.recycling || w.retiring) {
            stopIfDrained(w);
        }
    }

    /** Recycling at a limit: never a worker holding sessions (it waits until they close). */
    void recycle(Worker old, RecycleReason reason, String why) {
        recycle(old, reason, why, false);
    }

    /**
     * What {@link #recycle(Worker, RecycleReason, String, boolean)} did: started (then {@code done} completes
     * when that recycle is over, exceptionally if the successor could not start), or found
     * another recycle under way ({@code done} is that one's end: try again then).
     */
    record Attempt(boolean started, CompletableFuture<Void> done) {
    }

    /**
     * Recycles {@code old}: its successor is reserved first (so capacity never drops), and once
     * that one is ready the old worker takes no new calls, finishes its own and exits. With
     * {@code evenWithSessions}, a worker holding sessions is recycled too: it becomes retiring
     * (it keeps serving its sessions, and only them) and exits once they have closed. Returns
     * null if there is nothing to do (the pool is closed, the worker is not ready, or already
     * leaving; or it holds sessions and {@code evenWithSessions} is false).
     */
    Attempt recycle(Worker old, RecycleReason reason, String why, boolean evenWithSessions) {
        Worker fresh;
        CompletableFuture<Void> done;
        state.lock();
        try {
            if (state.closed || old.recycling || old.retiring || old.state != WorkerState.READY
                    || (old.sessions > 0 && !evenWithSessions)) {
                return null;
            }
            if (state.recyclingOne) {
                if (state.recycleDone == null) {
                    state.recycleDone = new CompletableFuture<>();
                }
                return new Attempt(false, state.recycleDone);
            }
            old.recycling = true;
            old.recycleReason = reason;
            state.recyclingOne = true;
            done = new CompletableFuture<>();
            state.recycleDone = done;
            // In the same step as the mark: any count of the pool's workers sees the successor
            // as soon as it sees the old worker leaving.
            fresh = supervisor.reserve(old.id, true);
        } finally {
            state.unlock();
        }
        LOG.info("pool {} recycling worker {} ({}): starting its replacement first", config.name(), old.id, why);
        try {
            supervisor.launch(fresh);
        } catch (RuntimeException e) {
            abandon(old, e);
            return new Attempt(true, done);
        }
        fresh.ready.whenComplete((v, e) -> {
            if (e != null) {
                abandon(old, e);
                return;
            }
            CompletableFuture<Void> ended = null;
            boolean retire = false;
            state.lock();
            try {
                if (old.state == WorkerState.READY && old.sessions == 0) {
                    old.drain();
                } else if (old.state == WorkerState.READY && evenWithSessions) {
                    // Its sessions stay where their state is: it serves them, and only them,
                    // and leaves when they have closed. The recycle itself is over.
                    old.recycling = false;
                    old.retiring = true;
                    old.retiringAfterRecycle = true;
                    retire = true;
                    ended = state.endRecycling();
                } else if (old.state == WorkerState.READY) {
                    // A session was opened meanwhile (before openSession saw the flag): keep the
                    // worker; the successor stays as an extra until one of them is retired.
                    old.recycling = false;
                    ended = state.endRecycling();
                }
            } finally {
                state.unlock();
            }
            if (ended != null) {
                ended.complete(null);
            }
            if (retire) {
                LOG.info("pool {} worker {} holds sessions: it serves only them now, and leaves once they close",
                        config.name(), old.id);
            }
            stopIfDrained(old);
            keptChanged.run();
        });
        return new Attempt(true, done);
    }

    private void abandon(Worker old, Throwable why) {
        CompletableFuture<Void> ended;
        state.lock();
        try {
            old.recycling = false;
            ended = state.endRecycling();
        } finally {
            state.unlock();
        }
        LOG.warn("pool {} could not start a replacement for worker {}; it keeps serving", config.name(), old.id);
        if (ended != null) {
            ended.completeExceptionally(new TaipanException("worker " + old.id + " was not recycled: its successor "
                    + "could not start (" + why.getMessage() + ")", why));
        }
    }

    /**
     * A retiring worker: once it holds no session it drains (takes nothing more) and, with no
     * call left in flight, is told to exit. Called when it is marked, as its last session
     * closes, and as its calls end.
     */
    void retireIfIdle(Worker w) {
        state.lock();
        try {
            if (w.retiring && w.state == WorkerState.READY && w.sessions == 0) {
                w.drain();
            }
        } finally {
            state.unlock();
        }
        stopIfDrained(w);
    }

    /** A recycled or retiring worker with nothing left in flight is told to exit (SIGTERM; it drains). */
    private void stopIfDrained(Worker w) {
        state.lock();
        try {
            if (w.retiring && w.state == WorkerState.READY && w.sessions == 0) {
                w.drain(); // its last session closed before it was marked, or as it was
            }
            if (!(w.recycling || w.retiring) || w.stopSent || w.state != WorkerState.DRAINING || w.inFlight > 0) {
                return;
            }
            w.stopSent = true; // stop once
            if (w.recycling || w.retiringAfterRecycle) {
                state.workersRecycled++;
            }
            w.recycling = false;
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
        List<Worker> ready = state.workersWhere(w -> w.state == WorkerState.READY && !w.recycling && !w.retiring);
        for (Worker w : ready) {
            if (config.maxCallsPerWorker() > 0 && w.callsCompleted >= config.maxCallsPerWorker()) {
                recycle(w, RecycleReason.CALLS, w.callsCompleted + " calls");
                return;
            }
            if (now >= w.recycleAtNanos) {
                recycle(w, RecycleReason.LIFETIME, "lifetime " + config.maxWorkerLifetime());
                return;
            }
            // A remote worker's pid is another machine's: its memory is the host's to limit.
            WorkerProcess p = w.process;
            if (config.maxWorkerRssBytes() > 0 && p != null && p.remoteHost() == null) {
                long rss = ProcessTrees.rssBytes(w.pid());
                if (rss > config.maxWorkerRssBytes()) {
                    recycle(w, RecycleReason.MEMORY, "resident memory " + rss / (1024 * 1024) + " MiB");
                    return;
                }
            }
        }
    }
}
