package dev.taipan.pool;

import dev.taipan.PoolClosedException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolListener.RecycleReason;
import dev.taipan.TaipanException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The pool's size at run time: {@link #resize} sets the target and {@link #reconcile} brings
 * the kept workers ({@link PoolState#keptCount}) to it, deciding under the pool's lock, so
 * resizes, replacements and recycles racing each other each see the others' workers. Growing
 * starts workers (or takes back retiring ones still serving); shrinking retires the least
 * useful ones: starting ones first, then those holding the fewest sessions, then the least
 * busy. A retired worker takes no new calls; one holding sessions serves them until they
 * close, then drains and exits ({@link Recycler#retireIfIdle}). {@link #recycleAll} recycles
 * every worker, one at a time, each successor ready before its predecessor drains.
 */
final class Resizer {
    private static final Logger LOG = LoggerFactory.getLogger(Resizer.class);

    private final PoolState state;
    private final PoolConfig config;
    private final WorkerSupervisor supervisor;
    private final Recycler recycler;
    private final Dispatcher dispatcher;

    Resizer(PoolState state, WorkerSupervisor supervisor, Recycler recycler, Dispatcher dispatcher) {
        this.state = state;
        this.config = state.config;
        this.supervisor = supervisor;
        this.recycler = recycler;
        this.dispatcher = dispatcher;
    }

    /** Sets the target and starts or retires workers to reach it; returns at once. */
    void resize(int workers) {
        if (workers < 1 || workers > PoolConfig.MAX_WORKERS) {
            throw new IllegalArgumentException("resize: workers must be between 1 and " + PoolConfig.MAX_WORKERS
                    + ", got " + workers);
        }
        int before;
        state.lock();
        try {
            if (state.closed) {
                throw new PoolClosedException("pool " + config.name() + " is closed: it cannot be resized");
            }
            before = state.targetWorkers;
            state.targetWorkers = workers;
        } finally {
            state.unlock();
        }
        LOG.info("pool {} resized: {} -> {} workers", config.name(), before, workers);
        reconcile();
    }

    /**
     * Brings the kept workers to the target. While the circuit is open no worker is started
     * (starts are failing): the first probe that succeeds makes the engine call this again.
     */
    void reconcile() {
        List<Worker> toStart = new ArrayList<>();
        List<Worker> toRetire = new ArrayList<>();
        List<Worker> takenBack = new ArrayList<>();
        List<List<PendingCall>> toSend = new ArrayList<>();
        state.lock();
        try {
            if (state.closed || !state.started) {
                return;
            }
            int kept = state.keptCount();
            int target = state.targetWorkers;
            if (kept < target) {
                // A worker retired by a shrink and still serving its sessions is capacity at once.
                for (Worker w : state.workers) {
                    if (kept < target && w.retiring && !w.retiringAfterRecycle && w.state == WorkerState.READY) {
                        w.retiring = false;
                        kept++;
                        takenBack.add(w);
                        toSend.add(dispatcher.assignWaiters(w));
                    }
                }
                while (kept < target && !state.circuitOpen) {
                    toStart.add(supervisor.reserve(null, false));
                    kept++;
                }
            } else if (kept > target) {
                List<Worker> candidates = new ArrayList<>();
                for (Worker w : state.keptWorkers()) {
                    // Not a recycle's two ends: the recycler decides about those.
                    if (!w.recycling && !(w.forRecycling && w.state == WorkerState.STARTING)) {
                        candidates.add(w);
                    }
                }
                candidates.sort(Comparator.<Worker>comparingInt(w -> w.state == WorkerState.STARTING ? 0 : 1)
                        .thenComparingInt(w -> w.sessions)
                        .thenComparingInt(w -> w.inFlight));
                for (int i = 0; i < kept - target && i < candidates.size(); i++) {
                    Worker w = candidates.get(i);
                    w.retiring = true;
                    toRetire.add(w);
                }
            }
        } finally {
            state.unlock();
        }
        for (int i = 0; i < takenBack.size(); i++) {
            LOG.info("pool {} worker {} kept: no longer retiring", config.name(), takenBack.get(i).id);
            dispatcher.sendAll(takenBack.get(i), toSend.get(i));
        }
        for (Worker w : toStart) {
            supervisor.launch(w);
        }
        for (Worker w : toRetire) {
            LOG.info("pool {} retiring worker {} ({} in flight, {} sessions)", config.name(), w.id,
                    w.inFlight, w.sessions);
            recycler.retireIfIdle(w);
        }
    }

    /**
     * Recycles every worker serving now, one at a time (a recycle at a limit may come between
     * two): each one's successor is ready before it drains. The future completes once each
     * has been replaced; exceptionally, after trying all, if a successor could not start (that
     * worker keeps serving), or with a {@link PoolClosedException} if the pool closed first.
     */
    CompletableFuture<Void> recycleAll() {
        Deque<Worker> todo;
        state.lock();
        try {
            if (state.closed) {
                throw new PoolClosedException("pool " + config.name() + " is closed: it has no workers to recycle");
            }
            todo = new ArrayDeque<>();
            for (Worker w : state.keptWorkers()) {
                if (w.state == WorkerState.READY) {
                    todo.add(w);
                }
            }
        } finally {
            state.unlock();
        }
        LOG.info("pool {} recycling {} workers, one at a time", config.name(), todo.size());
        CompletableFuture<Void> all = new CompletableFuture<>();
        next(todo, new ArrayList<>(), all);
        return all;
    }

    private void next(Deque<Worker> todo, List<String> failures, CompletableFuture<Void> all) {
        while (true) {
            if (state.isClosed()) {
                all.completeExceptionally(new PoolClosedException("pool " + config.name()
                        + " closed before every worker was recycled"));
                return;
            }
            Worker w = todo.peekFirst();
            if (w == null) {
                if (failures.isEmpty()) {
                    all.complete(null);
                } else {
                    all.completeExceptionally(new TaipanException("recycleWorkers: " + String.join("; ", failures)));
                }
                return;
            }
            Recycler.Attempt attempt = recycler.recycle(w, RecycleReason.REQUESTED, "recycleWorkers", true);
            if (attempt == null) {
                todo.pollFirst(); // gone or leaving meanwhile: nothing to recycle
                continue;
            }
            if (attempt.started()) {
                todo.pollFirst();
            }
            // Started: go on once it is over. Busy (another recycle): try this one again then.
            attempt.done().whenComplete((v, e) -> {
                if (e != null && attempt.started()) {
                    failures.add(e.getMessage());
                }
                next(todo, failures, all);
            });
            return;
        }
    }
}
