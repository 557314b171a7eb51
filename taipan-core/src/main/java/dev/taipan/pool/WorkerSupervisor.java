package dev.taipan.pool;

import dev.taipan.PoolClosedException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolListener;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PoolStartException;
import dev.taipan.PoolUnavailableException;
import dev.taipan.TaipanException;
import dev.taipan.WorkerInfo;
import dev.taipan.WorkerLostException;
import dev.taipan.WorkerProtocolException;
import dev.taipan.WorkerUnresponsiveException;
import dev.taipan.protocol.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The workers' lives: starting one (from the {@link WorkerSource}), its readiness, its death
 * and post-mortem (exit status, the end of its stderr), what its death means for the calls it
 * owed (retried if idempotent, within the crash barrier, or failed typed), and its
 * replacement: at once for a worker that was serving, after an exponential back-off for one
 * that failed to start, and every circuit-retry interval once starts keep failing (the circuit
 * is open: calls fail fast instead of waiting for a worker that will not come).
 */
final class WorkerSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerSupervisor.class);
    /** The most slots a worker may claim in its hello: the ceiling PoolConfig allows for {@code slots}. */
    private static final int MAX_SLOTS = 10_000;
    /**
     * How long after a worker's exit its socket may take to reach its end: the kernel closes it
     * with the process, and an idle reader looks at it at least every 100 ms.
     */
    private static final long EXIT_GRACE_MILLIS = 500;

    private final PoolState state;
    private final PoolConfig config;
    private final Events events;
    private final WorkerEvents up;
    private final WorkerSource source;
    private final WorkerReader reader;
    private final Dispatcher dispatcher;
    private final Sessions sessions;
    private final Completions completions;
    private final PoolThreads threads;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong workerSeq = new AtomicLong();

    WorkerSupervisor(PoolState state, Events events, WorkerEvents up, WorkerSource source, WorkerReader reader,
                     Dispatcher dispatcher, Sessions sessions, Completions completions, PoolThreads threads,
                     ScheduledExecutorService scheduler) {
        this.state = state;
        this.config = state.config;
        this.events = events;
        this.up = up;
        this.source = source;
        this.reader = reader;
        this.dispatcher = dispatcher;
        this.sessions = sessions;
        this.completions = completions;
        this.threads = threads;
        this.scheduler = scheduler;
    }

    // ---------------------------------------------------------------- starting

    /**
     * Starts a worker; {@code replacing} names the one it takes over from (null for the
     * pool's first workers), {@code forRecycling} whether that one is being recycled, not dead.
     */
    Worker start(String replacing, boolean forRecycling) {
        Worker w;
        state.lock();
        try {
            w = reserve(replacing, forRecycling);
        } finally {
            state.unlock();
        }
        launch(w);
        return w;
    }

    /**
     * Lock held: a new worker, in the pool's list (so every count taken under the lock sees it)
     * but not launched yet: call {@link #launch} once the lock is released. A closed pool's is
     * dead at once, its start failed.
     */
    Worker reserve(String replacing, boolean forRecycling) {
        Worker w = new Worker("w-" + workerSeq.incrementAndGet(), replacing);
        w.forRecycling = forRecycling;
        if (!config.maxWorkerLifetime().isZero()) {
            // Up to 20% earlier, so workers started together are not all recycled together.
            long life = config.maxWorkerLifetime().toNanos();
            w.recycleAtNanos = w.startNanos + life - (long) (life * 0.2 * ThreadLocalRandom.current().nextDouble());
        }
        if (state.closed) {
            w.die();
            w.ready.completeExceptionally(new PoolClosedException("pool " + config.name() + " closed"));
            return w;
        }
        state.workers.add(w);
        return w;
    }

    /** Starts the process of a worker {@link #reserve}d (outside the lock). */
    void launch(Worker w) {
        if (w.dead) {
            return; // the pool was closed when it was reserved
        }
        events.workerStarting(w.id);
        // Nobody reads its output any more: its prints would soon block. Replace it.
        w.onOutputFailure = e -> up.workerDied(w, new TaipanException("worker " + w.id
                + "'s output could not be read (" + e + "); replacing it"), false);
        CompletableFuture<Connection> connected;
        CompletableFuture<WorkerProcess> launched;
        try {
            w.startTimer = scheduler.schedule(() -> {
                if (state.stateOf(w) == WorkerState.STARTING) {
                    up.workerDied(w, new TaipanException("worker " + w.id + " did not become ready within "
                            + config.startTimeout()), false);
                }
            }, config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            WorkerSource.Launch launch = source.launch(w);
            connected = launch.connection();
            launched = launch.process();
        } catch (RejectedExecutionException e) {
            // The pool closed while this worker was being scheduled.
            up.workerDied(w, new PoolClosedException("pool " + config.name() + " closed"), false);
            return;
        }
        launched.whenComplete((process, err) -> {
            if (err != null) {
                connected.cancel(false);
                up.workerDied(w, err, false);
                return;
            }
            if (state.stateOf(w) == WorkerState.DEAD || state.isClosed()) {
                // Started after close() took its snapshot, or after the worker was given up on.
                process.kill();
            }
            process.onExit().thenRun(() -> onProcessExit(w));
            connected.whenComplete((conn, e) -> {
                if (e != null) {
                    return; // The listener closed, or the start timer fired: handled there.
                }
                w.connection = conn;
                LOG.debug("pool {} worker {} stage=authenticated after {} ms", config.name(), w.id,
                        (System.nanoTime() - w.startNanos) / 1_000_000);
                reader.start(w, conn);
            });
        });
    }

    /**
     * The worker's process ended. Answers it wrote just before exiting may still sit in its
     * socket, and failing their calls as "died during the call" would lose results that were
     * sent: so the reader is woken to read the socket to its end, and that end of the stream
     * reports the death. Only if it does not come soon (a descendant holds the socket open) is
     * the exit itself taken as the death.
     */
    private void onProcessExit(Worker w) {
        Connection c = w.connection;
        if (c == null) {
            up.workerDied(w, null, false); // never connected: nothing to read
            return;
        }
        c.wakeParkedReader();
        try {
            scheduler.schedule(() -> up.workerDied(w, null, false), EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            up.workerDied(w, null, false); // the pool is closing
        }
    }

    /** The worker's hello arrived: it takes calls, waiting calls and sessions go to it. */
    void onReady(Worker w, Map<String, Object> hello) {
        w.hello = hello;
        Set<String> idem = new HashSet<>();
        for (Object f : Messages.list(hello, "idempotent")) {
            idem.add(String.valueOf(f));
        }
        w.idempotentFunctions = Set.copyOf(idem);
        List<PendingCall> toSend;
        WorkerInfo info;
        boolean circuitClosed;
        List<String> functions = new ArrayList<>();
        for (Object f : Messages.list(hello, "functions")) {
            functions.add(String.valueOf(f));
        }
        state.lock();
        try {
            if (!w.becomeReady(capacityOf(hello))) {
                return;
            }
            state.registerFunctions(functions);
            state.consecutiveStartFailures = 0;
            circuitClosed = state.circuitOpen;
            if (state.circuitOpen) {
                LOG.info("pool {} circuit closed: worker {} started", config.name(), w.id);
            }
            state.circuitOpen = false;
            state.lastStartFailure = null;
            if (w.replacing != null && !w.forRecycling) {
                state.workersReplaced++;
            }
            toSend = dispatcher.assignWaiters(w);
            info = w.info();
        } finally {
            state.unlock();
        }
        VersionCheck.comparePackage(config.name(), w.id, hello.get("package"));
        Duration startTime = Duration.ofNanos(System.nanoTime() - w.startNanos);
        LOG.info("pool {} worker {} stage=ready pid={} python={} functions={} slots={} in {} ms", config.name(), w.id,
                hello.get("pid"), hello.get("python"), Messages.list(hello, "functions").size(), w.capacity,
                startTime.toMillis());
        w.ready.complete(null);
        ScheduledFuture<?> timer = w.startTimer;
        if (timer != null) {
            timer.cancel(false); // do not keep the worker reachable from the timer queue
        }
        if (circuitClosed) {
            events.circuitClosed();
        }
        events.workerReady(info, startTime);
        if (w.replacing != null) {
            events.workerReplaced(w.replacing, w.id);
        }
        dispatcher.sendAll(w, toSend);
        sessions.moveWaiting();
    }

    /**
     * How many calls the worker takes at once: the {@code slots} of its hello, so a worker can
     * say how much it takes; the pool's own setting if it says nothing usable.
     */
    private int capacityOf(Map<String, Object> hello) {
        Object slots = hello.get("slots");
        if (slots instanceof Long && (Long) slots >= 1) {
            return (int) Math.min((Long) slots, MAX_SLOTS);
        }
        return config.slots();
    }

    // ---------------------------------------------------------------- death

    /**
     * A worker is gone (EOF, read error, protocol error, process exit, or start failure).
     * The first report wins; the rest are no-ops.
     */
    void workerDied(Worker w, Throwable cause, boolean protocolError) {
        boolean wasReady;
        List<PendingCall> strandedWaiters = new ArrayList<>();
        Sessions.Stranded stranded;
        boolean respawn;
        boolean closing;
        long delayMillis = 0;
        int circuitOpenedAt = 0;
        CompletableFuture<Void> recycleEnded = null;
        state.lock();
        try {
            if (w.state == WorkerState.DEAD) {
                return;
            }
            wasReady = w.state != WorkerState.STARTING;
            boolean wasDraining = w.state == WorkerState.DRAINING;
            state.workers.remove(w);
            state.inFlight -= w.die();
            stranded = sessions.detach(w);
            for (Iterator<PendingCall> it = state.waiters.iterator(); it.hasNext(); ) {
                PendingCall c = it.next();
                if (c.session != null && c.session.worker == w && !c.session.moving) {
                    it.remove();
                    c.waiting = false;
                    strandedWaiters.add(c);
                }
            }
            closing = state.closed;
            // A retiring worker's exit is planned whatever ended it: it is not replaced (the
            // pool keeps its target without it). Its successor, if it had one, names it as the
            // one it replaces, so it must not be taken for the worker being recycled now.
            boolean recycled = wasDraining && !w.retiring && state.claimRecycledExit(w);
            if (recycled) {
                recycleEnded = state.endRecycling();
            }
            w.recycledExit = recycled || w.retiring;
            if (w.recycling && !wasDraining) {
                // Died while its successor was still starting: the successor simply takes its
                // place, and recycling must stay possible for the other workers.
                w.recycling = false;
                recycleEnded = state.endRecycling();
            }
            respawn = !state.closed && (state.started || config.lazyStart()) && !recycled && !w.retiring;
            if (respawn) {
                state.replacementsOwed++; // until replace() reserves it (now, or after the back-off)
            }
            if (!wasReady) {
                boolean wasOpen = state.circuitOpen;
                delayMillis = startFailed(respawn);
                if (!wasOpen && state.circuitOpen) {
                    circuitOpenedAt = state.consecutiveStartFailures;
                }
            }
            if (state.circuitOpen && state.readyCount() == 0) {
                for (Iterator<PendingCall> it = state.waiters.iterator(); it.hasNext(); ) {
                    PendingCall c = it.next();
                    it.remove();
                    c.waiting = false;
                    strandedWaiters.add(c);
                }
            }
            state.signalIdle();
        } finally {
            state.unlock();
        }
        if (circuitOpenedAt > 0) {
            events.circuitOpened(circuitOpenedAt);
        }
        if (recycleEnded != null) {
            recycleEnded.complete(null);
        }
        // Before the calls in flight fail: they must be told whether the session lives on.
        sessions.startMoving(stranded.moving());
        // A worker that was serving is replaced at once, not after the post-mortem: waiting for
        // its exit status and the end of its stderr would add that wait to every recovery.
        boolean replaceLater = respawn && !wasReady; // a start failure: after its backoff
        if (respawn && !replaceLater) {
            LOG.info("pool {} replacing worker {} now", config.name(), w.id);
            scheduleReplacement(w, 0);
        }
        // Post-mortem off the reader / process-reaper thread: it waits for the exit status.
        PostMortem pm = new PostMortem(w, cause, protocolError, wasReady, closing, strandedWaiters,
                stranded.lost(), replaceLater, delayMillis);
        threads.start(w.id + "-reaper", () -> postMortem(pm));
    }

    /** Lock held: one more start failed; opens the circuit at the limit. Returns the back-off before the next start. */
    private long startFailed(boolean respawn) {
        state.consecutiveStartFailures++;
        if (respawn && state.consecutiveStartFailures >= config.maxConsecutiveStartFailures() && !state.circuitOpen) {
            state.circuitOpen = true;
            LOG.error("pool {} circuit open: {} consecutive worker start failures; probing every {}",
                    config.name(), state.consecutiveStartFailures, config.circuitRetryInterval());
        }
        return state.circuitOpen ? config.circuitRetryInterval().toMillis()
                : Math.min(config.maxRestartBackoff().toMillis(),
                config.restartBackoff().toMillis() << Math.min(20, state.consecutiveStartFailures - 1));
    }

    /** What a worker's death left to do once its exit status is known. */
    private record PostMortem(Worker w, Throwable cause, boolean protocolError, boolean wasReady, boolean closing,
                              List<PendingCall> strandedWaiters, List<SessionImpl> lostSessions,
                              boolean respawn, long delayMillis) {
    }

    private void postMortem(PostMortem pm) {
        Worker w = pm.w();
        Throwable cause = pm.cause();
        Connection conn = w.connection;
        if (conn != null) {
            conn.close();
        }
        WorkerProcess p = w.process;
        Integer exitCode = null;
        if (p != null) {
            // A worker that ended by itself may not be reaped yet (a spawned one's guardian exits
            // just after it): a moment's grace, so its own exit status is reported, not our SIGKILL.
            if (p.isAlive() && (pm.protocolError() || cause != null) && p.awaitExit(200) == null) {
                p.kill();
            }
            exitCode = p.awaitExit(2_000);
            if (exitCode == null && p.isAlive()) {
                p.kill();
                exitCode = p.awaitExit(2_000);
            }
        }
        OutputPump err = w.stderr;
        if (err != null) {
            err.awaitEnd(1_000);
        }
        String tail = w.stderrTail();
        Integer signal = exitCode != null && exitCode > 128 ? exitCode - 128 : null;
        String how = p == null ? "could not start the process: " + (cause == null ? "unknown" : cause.getMessage())
                : exitCode == null && !p.isAlive() ? p.unknownExit()
                : describeExit(exitCode, signal, cause);
        if (!"local".equals(w.host)) {
            how = how + " (on host " + w.host + ")";
        }
        WorkerLostException lost = RemoteErrors.workerLost(w.id, how, exitCode, signal, tail, cause,
                pm.protocolError());
        if (pm.closing()) {
            LOG.debug("pool {} worker {} stopped: {}", config.name(), w.id, how);
            failPending(w, c -> new PoolClosedException("pool " + config.name() + " closed while " + c.function
                    + " was running on worker " + w.id), Outcome.REJECTED);
        } else if (!pm.wasReady()) {
            String msg = "worker " + w.id + " failed to start: " + how
                    + (tail.isEmpty() ? " (it wrote nothing to stderr)" : "\n--- worker stderr (last lines) ---\n" + tail);
            state.lock();
            try {
                state.lastStartFailure = "worker " + w.id + ": " + how + (tail.isEmpty() ? "" : "; stderr ends: "
                        + lastLine(tail));
            } finally {
                state.unlock();
            }
            w.ready.completeExceptionally(new PoolStartException(msg, exitCode, tail, cause));
            LOG.warn("pool {} {}", config.name(), msg);
        } else if (w.recycledExit) {
            LOG.info("pool {} worker {} {}: {}", config.name(), w.id,
                    w.retiring && !w.retiringAfterRecycle ? "retired" : "recycled", how);
        } else {
            LOG.warn("pool {} worker {} died: {}{}", config.name(), w.id, how,
                    tail.isEmpty() ? "" : "; stderr ends: " + lastLine(tail));
        }
        retryOrFail(w, lost);
        dispatcher.reject(pm.strandedWaiters(), c -> c.session != null ? sessions.lostFor(c, lost)
                : new PoolUnavailableException("no worker can start: " + state.lastStartFailureOrUnknown(),
                state.stats()));
        for (SessionImpl s : pm.lostSessions()) {
            s.lostCause = lost;
        }
        events.workerExited(w.id, exitCode, how);
        if (!pm.closing() && !w.recycledExit) {
            events.workerLost(w.id, lossOf(pm, lost, signal));
        }
        if (pm.respawn()) {
            LOG.info("pool {} replacing worker {} in {} ms", config.name(), w.id, pm.delayMillis());
            scheduleReplacement(w, pm.delayMillis());
        }
    }

    /**
     * The worker died owing answers: idempotent calls (not pinned to a session, retries left,
     * not yet ended) run again elsewhere within their own timeout; the others fail typed.
     */
    private void retryOrFail(Worker w, WorkerLostException lost) {
        for (Long id : new ArrayList<>(w.pending.keySet())) {
            PendingCall c = w.pending.remove(id);
            if (c == null) {
                continue;
            }
            boolean retryable;
            boolean retry;
            List<String> crashed;
            state.lock();
            try {
                retryable = (c.idempotent || w.idempotentFunctions.contains(c.function)) && c.session == null;
                if (RemoteErrors.crashed(lost)) {
                    c.crashedWorkers.add(w.id);
                }
                crashed = List.copyOf(c.crashedWorkers);
                retry = retryable && c.retriesLeft > 0 && crashed.size() < PendingCall.CRASH_BARRIER && !state.closed
                        && !c.isEnded();
                if (retry) {
                    c.retriesLeft--;
                    c.worker = null;
                    state.callsRetried++;
                }
            } finally {
                state.unlock();
            }
            if (retry) {
                LOG.info("pool {} retrying idempotent call {} ({}) after worker {} was lost", config.name(), c.id,
                        c.function, w.id);
                events.callRetried(c.function, w.id);
                dispatcher.route(c);
            } else if (retryable && crashed.size() >= PendingCall.CRASH_BARRIER) {
                // The crash barrier: a call whose run and retry both crashed their worker is most
                // likely what crashes them; running it again would take a third worker with it.
                LOG.warn("pool {} call {} ({}) not retried again: it crashed {} workers {}", config.name(), c.id,
                        c.function, crashed.size(), crashed);
                completions.finish(c, null, RemoteErrors.notRetriedAgain(lost, crashed), Outcome.WORKER_LOST);
            } else {
                completions.finish(c, null, sessions.lostFor(c, lost), Outcome.WORKER_LOST);
            }
        }
    }

    /** Fails every call the worker still owes an answer; removal first, so each fails once. */
    void failPending(Worker w, Function<PendingCall, TaipanException> error, Outcome outcome) {
        for (Long id : new ArrayList<>(w.pending.keySet())) {
            PendingCall c = w.pending.remove(id);
            if (c != null) {
                completions.finish(c, null, error.apply(c), outcome);
            }
        }
    }

    private void scheduleReplacement(Worker w, long delayMillis) {
        try {
            scheduler.schedule(() -> replace(w.id), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The pool closed meanwhile.
        }
    }

    /**
     * Starts a worker in place of a dead one, unless the pool already keeps its target: the
     * count and the new worker's place in the list are one step under the lock, so a resize
     * (or another replacement) running at the same time cannot start one too many.
     */
    private void replace(String old) {
        Worker w;
        state.lock();
        try {
            if (state.replacementsOwed > 0) {
                state.replacementsOwed--;
            }
            if (state.closed || state.keptCount() >= state.targetWorkers) {
                return;
            }
            w = reserve(old, false);
        } finally {
            state.unlock();
        }
        launch(w);
    }

    /** Why the worker was lost, for the listener: the same facts the crash barrier reads. */
    private static PoolListener.WorkerLoss lossOf(PostMortem pm, WorkerLostException lost, Integer signal) {
        if (!pm.wasReady()) {
            return PoolListener.WorkerLoss.START_FAILED;
        }
        if (lost instanceof WorkerUnresponsiveException) {
            return PoolListener.WorkerLoss.UNRESPONSIVE;
        }
        if (lost instanceof WorkerProtocolException) {
            return PoolListener.WorkerLoss.PROTOCOL_ERROR;
        }
        if (signal != null && (signal == 9 || signal == 15)) {
            return PoolListener.WorkerLoss.KILLED;
        }
        return PoolListener.WorkerLoss.CRASHED;
    }

    private static String lastLine(String tail) {
        int i = tail.lastIndexOf('\n');
        return i < 0 ? tail : tail.substring(i + 1);
    }

    private static String describeExit(Integer exitCode, Integer signal, Throwable cause) {
        StringBuilder sb = new StringBuilder();
        if (signal != null) {
            sb.append("killed by signal ").append(signal).append(signal == 9 ? " (SIGKILL)" : signal == 11
                    ? " (SIGSEGV)" : signal == 15 ? " (SIGTERM)" : "");
        } else if (exitCode != null) {
            sb.append("exited with status ").append(exitCode);
        } else {
            sb.append("process did not exit");
        }
        if (cause != null) {
            sb.append(" after ").append(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
        return sb.toString();
    }
}
