package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.PoolHealth;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PoolStats;
import dev.taipan.TaipanException;
import dev.taipan.WorkerInfo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The pool's one lock and everything it guards: the workers, the wait queue, the session
 * table, the counters and the start circuit. Every part of the engine (dispatcher,
 * supervisor, recycler, sessions) takes this lock and no other, so there is no lock order to
 * get wrong. Critical sections are short (pick a worker, bump a counter); I/O, process handling
 * and user code always run outside them.
 */
final class PoolState {
    final PoolConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();

    // Everything below is guarded by the lock.
    final List<Worker> workers = new ArrayList<>();
    final ArrayDeque<PendingCall> waiters = new ArrayDeque<>();
    final Map<String, SessionImpl> sessions = new LinkedHashMap<>();
    int inFlight;
    long callsCompleted;
    long callsFailed;
    long callsRetried;
    long callsCancelled;
    long callsTimedOut;
    long workersRecycled;
    long workersReplaced;
    /** A worker is being recycled: one at a time, so the pool never loses more than one worker's capacity. */
    boolean recyclingOne;
    /** Completed (outside the lock) when the recycle under way ends; null while none is. */
    java.util.concurrent.CompletableFuture<Void> recycleDone;
    /** How many workers the pool keeps: the configured count until {@code resize} changes it. */
    int targetWorkers;
    /**
     * Dead workers whose replacement is scheduled but not yet reserved. They count as kept, so
     * a resize looking in between (on any worker's hello) does not fill the same gap with a
     * worker of its own, which would not be counted as the replacement it is.
     */
    int replacementsOwed;
    int consecutiveStartFailures;
    boolean circuitOpen;
    String lastStartFailure;
    boolean started;
    boolean closed;
    /**
     * Every function name a worker of this pool registered (its hello's {@code functions}):
     * it only grows, replaced whole (copy on write) when a worker brings a new name, and is
     * read without the lock on every call's end.
     */
    private volatile java.util.Set<String> registeredFunctions = java.util.Set.of();

    PoolState(PoolConfig config) {
        this.config = config;
        this.targetWorkers = config.workers();
    }

    void lock() {
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    WorkerState stateOf(Worker w) {
        lock.lock();
        try {
            return w.state;
        } finally {
            lock.unlock();
        }
    }

    /** The workers that match, copied under the lock (for work done outside it). */
    List<Worker> workersWhere(Predicate<Worker> which) {
        lock.lock();
        try {
            List<Worker> out = new ArrayList<>();
            for (Worker w : workers) {
                if (which.test(w)) {
                    out.add(w);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Adds the functions a ready worker registered (lock held). */
    void registerFunctions(java.util.Collection<String> names) {
        if (!registeredFunctions.containsAll(names)) {
            java.util.Set<String> all = new java.util.HashSet<>(registeredFunctions);
            all.addAll(names);
            registeredFunctions = java.util.Set.copyOf(all);
        }
    }

    /** Whether a worker of this pool registered {@code function}; no lock needed. */
    boolean isRegistered(String function) {
        return registeredFunctions.contains(function);
    }

    /** The slots of the ready workers. */
    int readySlots() {
        lock.lock();
        try {
            int slots = 0;
            for (Worker w : workers) {
                if (w.state == WorkerState.READY) {
                    slots += w.capacity;
                }
            }
            return slots;
        } finally {
            lock.unlock();
        }
    }

    /** Call with the lock held. */
    int readyCount() {
        int n = 0;
        for (Worker w : workers) {
            if (w.state.takesCalls()) {
                n++;
            }
        }
        return n;
    }

    /** Call with the lock held: something that {@link #awaitIdle} waits for may have changed. */
    void signalIdle() {
        idle.signalAll();
    }

    /** Waits up to {@code millis} for no call to be in flight. */
    void awaitIdle(long millis) {
        long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
        lock.lock();
        try {
            while (inFlight > 0 && nanos > 0) {
                nanos = idle.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Counts a call's end; called exactly once per call, before its caller can see the outcome. */
    void countEnd(TaipanException error, Outcome outcome) {
        lock.lock();
        try {
            if (error == null) {
                callsCompleted++;
            } else {
                callsFailed++;
                if (outcome == Outcome.CANCELLED) {
                    callsCancelled++;
                } else if (outcome == Outcome.TIMEOUT) {
                    callsTimedOut++;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Call with the lock held, as worker {@code w} exits after draining: whether it is the one
     * being recycled (its exit is the plan, not a failure). Clears the recycling mark if so;
     * the caller completes {@link #recycleDone} outside the lock ({@link #endRecycling}).
     */
    boolean claimRecycledExit(Worker w) {
        if (recyclingOne) {
            for (Worker other : workers) {
                if (w.id.equals(other.replacing)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Call with the lock held: the recycle under way is over (its worker left, or it was given
     * up). Returns the future to complete once the lock is released, or null.
     */
    java.util.concurrent.CompletableFuture<Void> endRecycling() {
        recyclingOne = false;
        java.util.concurrent.CompletableFuture<Void> done = recycleDone;
        recycleDone = null;
        return done;
    }

    /**
     * Call with the lock held: the workers the pool keeps, which {@link #targetWorkers} is
     * compared with. Not counted: retiring workers, draining ones (recycled, or stopped from
     * outside), and a worker being recycled once its successor exists (the successor counts).
     * Counted: the replacements owed for dead workers.
     */
    int keptCount() {
        return keptWorkers().size() + replacementsOwed;
    }

    /**
     * Call with the lock held: the kept workers ({@link #keptCount} without the replacements
     * owed), in the pool's order.
     */
    List<Worker> keptWorkers() {
        java.util.Set<String> succeeded = new java.util.HashSet<>();
        for (Worker w : workers) {
            if (w.forRecycling && w.replacing != null) {
                succeeded.add(w.replacing);
            }
        }
        List<Worker> out = new ArrayList<>();
        for (Worker w : workers) {
            if (isKept(w, succeeded)) {
                out.add(w);
            }
        }
        return out;
    }

    private static boolean isKept(Worker w, java.util.Set<String> succeeded) {
        return !w.retiring && w.state != WorkerState.DRAINING && w.state != WorkerState.DEAD
                && !(w.recycling && succeeded.contains(w.id));
    }

    String lastStartFailureOrUnknown() {
        lock.lock();
        try {
            return lastStartFailure == null ? "unknown cause" : lastStartFailure;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- snapshots

    PoolStats stats() {
        lock.lock();
        try {
            return statsLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Call with the lock held. */
    PoolStats statsLocked() {
        int ready = 0;
        int starting = 0;
        for (Worker w : workers) {
            if (w.state == WorkerState.READY && !w.retiring) {
                ready++;
            } else if (w.state == WorkerState.STARTING && !w.retiring) {
                starting++;
            }
        }
        return new PoolStats(workers.size(), ready, starting, inFlight, waiters.size(), sessions.size(),
                callsCompleted, callsFailed, callsRetried, workersReplaced, workersRecycled, callsCancelled,
                callsTimedOut, targetWorkers);
    }

    List<WorkerInfo> workerInfos() {
        lock.lock();
        try {
            List<WorkerInfo> infos = new ArrayList<>();
            workers.forEach(w -> infos.add(w.info()));
            return infos;
        } finally {
            lock.unlock();
        }
    }

    PoolHealth health() {
        lock.lock();
        try {
            PoolStats s = statsLocked();
            List<WorkerInfo> infos = new ArrayList<>();
            int slots = 0;
            for (Worker w : workers) {
                infos.add(w.info());
                if (w.state == WorkerState.READY) {
                    slots += w.capacity;
                }
            }
            PoolHealth.Status status;
            String reason;
            if (closed) {
                status = PoolHealth.Status.CLOSED;
                reason = "pool is closed";
            } else if (circuitOpen) {
                status = PoolHealth.Status.CIRCUIT_OPEN;
                reason = consecutiveStartFailures + " consecutive worker start failures; retrying every "
                        + config.circuitRetryInterval() + "; last: " + lastStartFailure;
            } else if (s.ready() > 0 && s.waiting() > 0 && s.inFlight() >= slots) {
                status = PoolHealth.Status.SATURATED;
                reason = "all " + slots + " slots of " + s.ready() + " ready workers are busy and "
                        + s.waiting() + " calls are waiting";
            } else if (s.ready() >= targetWorkers) {
                status = PoolHealth.Status.HEALTHY;
                reason = "all " + targetWorkers + " workers ready";
            } else if (s.ready() == 0) {
                status = PoolHealth.Status.STARTING;
                reason = "no worker ready yet (" + s.starting() + " starting)"
                        + (lastStartFailure == null ? "" : "; last start failure: " + lastStartFailure);
            } else {
                status = PoolHealth.Status.DEGRADED;
                reason = s.ready() + " of " + targetWorkers + " workers ready (" + s.starting() + " starting)"
                        + (lastStartFailure == null ? "" : "; last start failure: " + lastStartFailure);
            }
            return new PoolHealth(status, reason, s, List.copyOf(infos));
        } finally {
            lock.unlock();
        }
    }
}
