package dev.taipan.pool;

import dev.taipan.WorkerInfo;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Python worker: its process, its connection, and its state. Routing fields are guarded
 * by the pool's lock ({@link PoolState}) and change only through the methods below, called
 * with that lock held; {@link #pending} is concurrent because the reader and callers touch it
 * without the lock.
 */
final class Worker {
    final String id;
    final String replacing;
    final long startNanos = System.nanoTime();
    final Instant startedAt = Instant.now();
    final Map<Long, PendingCall> pending = new ConcurrentHashMap<>();
    final CompletableFuture<Void> ready = new CompletableFuture<>();

    volatile WorkerProcess process;
    /** Where it runs: {@code "local"}, or the remote host's name; set by the source as it launches it. */
    volatile String host = "local";
    volatile Connection connection;
    volatile OutputPump stdout;
    volatile OutputPump stderr;
    volatile Map<String, Object> hello;
    /** Functions the worker declared {@code @function(idempotent=True)}, from its hello. */
    volatile java.util.Set<String> idempotentFunctions = java.util.Set.of();
    /** Set (under the pool's lock) when the worker is declared dead; read without it. */
    volatile boolean dead;
    /** When the last frame of any kind arrived from this worker; heartbeats keep it fresh. */
    volatile long lastHeardNanos = System.nanoTime();
    /** When the last heartbeat was written to it (by the heartbeat thread; see {@link Liveness}). */
    volatile long pingWrittenNanos = startNanos;
    /** Touched only by {@link Liveness#check} on the engine's timer thread: what it saw last time. */
    long heardAtLastCheck = startNanos;
    /** Touched only by {@link Liveness#check}: checks in a row that found its last ping unanswered. */
    int pingsMissed;
    /** Started to take over from a recycled worker (not to replace a dead one). */
    volatile boolean forRecycling;
    /** Fails the start if the worker is not ready in time; cancelled once it is. */
    volatile java.util.concurrent.ScheduledFuture<?> startTimer;
    /** Its exit was planned by recycling, not a failure. */
    volatile boolean recycledExit;
    /** What the engine does when one of its output pumps fails (set before it starts). */
    volatile java.util.function.Consumer<Throwable> onOutputFailure = e -> { };

    // Guarded by the pool's lock.
    WorkerState state = WorkerState.STARTING;
    /**
     * How many calls it runs at once: the {@code slots} its hello reported (a worker says how
     * much it takes), else the pool's {@code slots}. Zero until it is ready.
     */
    int capacity;
    int inFlight;
    int sessions;
    long callsCompleted;
    /** Being recycled: a replacement is starting or ready; this one drains, then exits. */
    boolean recycling;
    /** Why it is being recycled (set with {@link #recycling}), for the listener. */
    dev.taipan.PoolListener.RecycleReason recycleReason;
    /** Recycle after this time (System.nanoTime), or Long.MAX_VALUE. */
    long recycleAtNanos = Long.MAX_VALUE;
    /**
     * Leaving the pool (a shrink, or a recycle of a worker holding sessions): it takes no new
     * calls and no new sessions, serves the calls of the sessions it holds, and once they have
     * closed it drains and exits. Its exit is planned: it is not replaced.
     */
    boolean retiring;
    /** Retiring as the last step of a recycle (its successor is already serving): counted as recycled. */
    boolean retiringAfterRecycle;
    /** The planned stop (SIGTERM) was sent: once only. */
    boolean stopSent;

    Worker(String id, String replacing) {
        this.id = id;
        this.replacing = replacing;
    }

    /**
     * The Python process that runs the calls: the pid its hello reported. Until then, the
     * process the pool started (a spawned worker's guardian, its parent, on Linux).
     */
    long pid() {
        Map<String, Object> h = hello;
        if (h != null && h.get("pid") instanceof Number) {
            return ((Number) h.get("pid")).longValue();
        }
        WorkerProcess p = process;
        return p == null ? -1 : p.pid();
    }

    // ---------------------------------------------------------------- state changes (lock held)

    /** Its hello arrived: it takes up to {@code slots} calls at once. False if it is no longer starting. */
    boolean becomeReady(int slots) {
        if (state != WorkerState.STARTING) {
            return false;
        }
        state = WorkerState.READY;
        capacity = slots;
        return true;
    }

    /** It takes no new calls but finishes its own. */
    void drain() {
        if (state.canMoveTo(WorkerState.DRAINING)) {
            state = WorkerState.DRAINING;
        }
    }

    /** It is gone; returns the calls it had in flight, which no longer hold a slot. */
    int die() {
        state = WorkerState.DEAD;
        dead = true;
        int had = inFlight;
        inFlight = 0;
        return had;
    }

    /** A call was routed to it: one slot more in use. */
    void takeSlot() {
        inFlight++;
    }

    /** It finished a call (its answer came): the slot is free again. */
    void freeSlot() {
        inFlight--;
        callsCompleted++;
    }

    /** Whether it can take one more call now (of one of its sessions, if it is retiring). */
    boolean hasFreeSlot() {
        return state.takesCalls() && inFlight < capacity;
    }

    /** Whether it can take one more call of no session (a retiring worker takes none). */
    boolean hasFreeSlotForAnyCall() {
        return !retiring && hasFreeSlot();
    }

    // ----------------------------------------------------------------

    void outputFailed(Throwable e) {
        onOutputFailure.accept(e);
    }

    String stderrTail() {
        OutputPump e = stderr;
        return e == null ? "" : e.tail();
    }

    /** Call with the pool's lock held. */
    WorkerInfo info() {
        Map<String, Object> h = hello;
        String python = h == null ? null : String.valueOf(h.get("python"));
        return new WorkerInfo(id, pid(), state.name(), inFlight, sessions, callsCompleted, startedAt, python,
                process instanceof ForkedProcess, host);
    }
}
