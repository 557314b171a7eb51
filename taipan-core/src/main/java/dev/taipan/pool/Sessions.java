package dev.taipan.pool;

import dev.taipan.PoolClosedException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolUnavailableException;
import dev.taipan.Session;
import dev.taipan.SessionLostException;
import dev.taipan.SessionOptions;
import dev.taipan.SessionSnapshot;
import dev.taipan.SnapshotPolicy;
import dev.taipan.TaipanException;
import dev.taipan.WorkerLostException;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The session table: opening a session on the ready worker holding the fewest, closing and
 * evicting idle ones, and what a worker's death means for its sessions: lost, or (with
 * snapshots) moved to another worker, whose {@code session_restore} is written before any of
 * the session's waiting calls.
 */
final class Sessions {
    private static final Logger LOG = LoggerFactory.getLogger(Sessions.class);

    private final PoolState state;
    private final PoolConfig config;
    private final Dispatcher dispatcher;
    private final ScheduledExecutorService scheduler;
    private final WorkerEvents up;
    private boolean sweeperStarted; // guarded by the pool's lock

    Sessions(PoolState state, Dispatcher dispatcher, ScheduledExecutorService scheduler, WorkerEvents up) {
        this.state = state;
        this.config = state.config;
        this.dispatcher = dispatcher;
        this.scheduler = scheduler;
        this.up = up;
    }

    Session open(SessionOptions options, CallPath calls) {
        SessionImpl s;
        Worker best = null;
        state.lock();
        try {
            if (state.closed) {
                throw new PoolClosedException("pool " + config.name() + " is closed");
            }
            for (Worker w : state.workers) {
                if (w.state.takesCalls() && !w.recycling && !w.retiring && (best == null || w.sessions < best.sessions
                        || (w.sessions == best.sessions && w.inFlight < best.inFlight))) {
                    best = w;
                }
            }
            if (best == null) {
                throw new PoolUnavailableException("no ready worker to hold a session", state.statsLocked());
            }
            if (options.snapshots() != SnapshotPolicy.NONE
                    && !Messages.list(best.hello, "capabilities").contains("snapshots")) {
                throw new TaipanException("worker " + best.id + " cannot snapshot sessions (no 'snapshots' capability "
                        + "in its hello): its taipan_worker package is older than this pool");
            }
            s = new SessionImpl(UUID.randomUUID().toString(), best, calls, options);
            best.sessions++;
            state.sessions.put(s.id, s);
            ensureSweeper();
        } finally {
            state.unlock();
        }
        if (s.snapshots()) {
            // Before any call of the session (frames to a worker keep their order).
            Connection c = best.connection;
            try {
                c.write(Messages.sessionOpen(s.id, s.wireMode()));
            } catch (IOException e) {
                up.workerDied(best, e, false); // the session is lost with it: no snapshot yet
            }
        }
        return s;
    }

    void close(SessionImpl s, SessionImpl.State newState) {
        Worker w;
        boolean lastOfRetiring;
        state.lock();
        try {
            if (s.state != SessionImpl.State.OPEN) {
                return;
            }
            s.state = newState;
            state.sessions.remove(s.id);
            w = s.worker;
            w.sessions--;
            if (w.state == WorkerState.DEAD) {
                return;
            }
            lastOfRetiring = w.retiring && w.sessions == 0;
        } finally {
            state.unlock();
        }
        writeQuietly(w, Messages.sessionClose(s.id));
        if (lastOfRetiring) {
            up.sessionsEnded(w); // after the close frame: the worker may now drain and exit
        }
    }

    private static void writeQuietly(Worker w, java.util.Map<String, ?> frame) {
        Connection c = w.connection;
        if (c != null) {
            try {
                c.write(frame);
            } catch (IOException e) {
                // The worker is going away and the state with it.
            }
        }
    }

    // ---------------------------------------------------------------- a worker died

    /** The sessions of a dead worker: those that move with their last snapshot, and those lost. */
    record Stranded(List<SessionImpl> moving, List<SessionImpl> lost) {
    }

    /**
     * Lock held, as worker {@code w} is declared dead: sessions with a snapshot start moving
     * (their waiting calls stay in line for the new worker), the others are lost.
     */
    Stranded detach(Worker w) {
        List<SessionImpl> moving = new ArrayList<>();
        List<SessionImpl> lost = new ArrayList<>();
        for (SessionImpl s : state.sessions.values()) {
            if (s.worker == w) {
                (s.snapshots() && s.last() != null ? moving : lost).add(s);
            }
        }
        for (SessionImpl s : lost) {
            s.state = SessionImpl.State.LOST;
            s.lostMessage = "session " + s.id + " was lost: its worker " + w.id + " died"
                    + (s.snapshots() ? " and it had no snapshot to restore yet" : "");
            state.sessions.remove(s.id);
        }
        for (SessionImpl s : moving) {
            s.moving = true;
            s.inFlight = 0; // all its calls were on w: they end with it
            s.movedFrom = w;
            s.moveSnapshot = s.last();
            s.forgetFailures();
        }
        return new Stranded(moving, lost);
    }

    /** Outside the lock, before the dead worker's calls fail (they must learn whether their session lives on). */
    void startMoving(List<SessionImpl> moving) {
        for (SessionImpl s : moving) {
            prepareRestore(s);
            tryMove(s);
        }
    }

    /** What a call of a session learns when its worker died during the call. */
    TaipanException lostFor(PendingCall c, WorkerLostException lost) {
        SessionImpl s = c.session;
        if (s == null) {
            return lost;
        }
        state.lock();
        try {
            return s.callLost(c.function, lost);
        } finally {
            state.unlock();
        }
    }

    /**
     * Encodes the {@code session_restore} a moving session's new worker gets. A snapshot that
     * cannot be sent (too large with its envelope) cannot be restored: the session is lost.
     */
    private void prepareRestore(SessionImpl s) {
        SessionSnapshot snap = s.moveSnapshot;
        try {
            byte[] frame = FrameCodec.encode(Messages.sessionRestore(s.id, snap.seq(), snap.state(), s.wireMode()),
                    config.maxFrameBytes());
            state.lock();
            try {
                s.restoreFrame = frame;
            } finally {
                state.unlock();
            }
        } catch (TaipanException e) {
            loseMovingSession(s, "its snapshot " + snap.seq() + " cannot be restored: " + e.getMessage(), e);
        }
    }

    /**
     * Restores a moving session on the ready worker holding the fewest sessions: writes its
     * snapshot there, and only then lets its calls go to that worker, so the restore always
     * arrives before them. With no ready worker it waits for the next one ({@link #moveWaiting}).
     */
    private void tryMove(SessionImpl s) {
        Worker target = null;
        state.lock();
        try {
            if (s.state != SessionImpl.State.OPEN || !s.moving || s.moveTarget != null || s.restoreFrame == null) {
                return;
            }
            for (Worker w : state.workers) {
                if (w.state.takesCalls() && !w.recycling && !w.retiring && w.connection != null
                        && (target == null || w.sessions < target.sessions)) {
                    target = w;
                }
            }
            if (target == null) {
                return;
            }
            s.moveTarget = target;
        } finally {
            state.unlock();
        }
        IOException failed = null;
        try {
            target.connection.write(s.restoreFrame);
        } catch (IOException e) {
            failed = e;
        }
        if (failed != null) {
            up.workerDied(target, failed, false); // so that the next try picks another worker
        }
        List<PendingCall> toSend = List.of();
        boolean closeThere = false;
        boolean again = false;
        boolean moved = false;
        SessionSnapshot snap;
        state.lock();
        try {
            s.moveTarget = null;
            snap = s.moveSnapshot;
            if (s.state != SessionImpl.State.OPEN) {
                closeThere = failed == null; // closed meanwhile: free what was just restored
            } else if (failed != null || target.dead) {
                again = true;
            } else {
                s.moving = false;
                s.restoreFrame = null;
                target.sessions++;
                s.restored(target, snap);
                toSend = dispatcher.assignWaiters(target);
                moved = true;
            }
        } finally {
            state.unlock();
        }
        if (closeThere) {
            writeQuietly(target, Messages.sessionClose(s.id));
        } else if (again) {
            tryMove(s);
        } else if (moved) {
            LOG.info("pool {} session {} restored on worker {} from snapshot {} (worker {} died)", config.name(), s.id,
                    target.id, snap.seq(), snap.workerId());
            dispatcher.sendAll(target, toSend);
        }
    }

    /** A worker became ready: sessions waiting for one move there. */
    void moveWaiting() {
        List<SessionImpl> waiting = new ArrayList<>();
        state.lock();
        try {
            for (SessionImpl s : state.sessions.values()) {
                if (s.moving && s.moveTarget == null) {
                    waiting.add(s);
                }
            }
        } finally {
            state.unlock();
        }
        waiting.forEach(this::tryMove);
    }

    private void loseMovingSession(SessionImpl s, String why, TaipanException cause) {
        List<PendingCall> stranded = new ArrayList<>();
        String message;
        state.lock();
        try {
            if (s.state != SessionImpl.State.OPEN) {
                return;
            }
            s.state = SessionImpl.State.LOST;
            s.moving = false;
            state.sessions.remove(s.id);
            message = "session " + s.id + " was lost: its worker " + s.worker.id + " died and " + why;
            s.lostMessage = message;
            s.lostCause = cause;
            for (Iterator<PendingCall> it = state.waiters.iterator(); it.hasNext(); ) {
                PendingCall c = it.next();
                if (c.session == s) {
                    it.remove();
                    c.waiting = false;
                    stranded.add(c);
                }
            }
        } finally {
            state.unlock();
        }
        LOG.warn("pool {} {}", config.name(), message);
        dispatcher.reject(stranded, c -> new SessionLostException(message, cause));
    }

    // ---------------------------------------------------------------- idle eviction

    /** Lock held. */
    private void ensureSweeper() {
        if (sweeperStarted) {
            return;
        }
        sweeperStarted = true;
        long period = Math.max(50, Math.min(30_000, config.sessionIdleTimeout().toMillis() / 4));
        scheduler.scheduleAtFixedRate(this::evictIdle, period, period, TimeUnit.MILLISECONDS);
    }

    private void evictIdle() {
        long now = System.nanoTime();
        long ttl = config.sessionIdleTimeout().toNanos();
        List<SessionImpl> idleOnes = new ArrayList<>();
        state.lock();
        try {
            for (SessionImpl s : state.sessions.values()) {
                if (s.inFlight == 0 && now - s.lastUsedNanos > ttl) {
                    idleOnes.add(s);
                }
            }
        } finally {
            state.unlock();
        }
        for (SessionImpl s : idleOnes) {
            LOG.info("pool {} session {} evicted after being idle for {}", config.name(), s.id,
                    config.sessionIdleTimeout());
            close(s, SessionImpl.State.EVICTED);
        }
    }
}
