package dev.taipan.pool;

import dev.taipan.CallOptions;
import dev.taipan.PoolClosedException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolHealth;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PoolStartException;
import dev.taipan.PoolStats;
import dev.taipan.PoolView;
import dev.taipan.PythonEnvironment;
import dev.taipan.Session;
import dev.taipan.SessionOptions;
import dev.taipan.WorkerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pool's machinery behind {@link dev.taipan.TaipanPool}. It builds and wires the parts,
 * starts the first workers, and shuts everything down; the work itself is theirs:
 * <ul>
 *   <li>{@link Dispatcher}: calls: routing, the wait queue, sending, slots, timeouts, cancels;</li>
 *   <li>{@link WorkerReader}: everything workers send, and the read role;</li>
 *   <li>{@link WorkerSupervisor}: starting workers, their deaths, replacement, the circuit;</li>
 *   <li>{@link Recycler}, {@link Sessions}, {@link Liveness}: recycling, the session table, heartbeats;</li>
 *   <li>{@link PoolState}: the one lock and what it guards; {@link Completions}: ending calls once;</li>
 *   <li>{@link WorkerSource}: where workers come from (local processes over a Unix socket; with remote hosts,
 *       {@link RemoteWorkerSource}).</li>
 * </ul>
 * The lower parts report up only through {@link WorkerEvents}; this class hands each report
 * to the part that decides.
 */
public final class PoolEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PoolEngine.class);

    private final PoolConfig config;
    /** The resolved Python; null for a pool whose source starts no local process (a fake's). */
    private final PythonEnvironment.Resolved python;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final ScheduledExecutorService scheduler;
    /** Runs user code: async completions, chunk consumers, Java callbacks. */
    private final Executor callbackExecutor;
    private final ExecutorService ownedCallbackExecutor;
    private final Thread shutdownHook;

    private final WorkerEvents up = new Reports();
    private final CallPath calls = new Calls();
    private final PoolState state;
    private final WorkerSource source;
    private final Dispatcher dispatcher;
    private final WorkerReader reader;
    private final WorkerLogs workerLogs;
    private final Sessions sessions;
    private final WorkerSupervisor supervisor;
    private final Recycler recycler;
    private final Resizer resizer;
    private final Liveness liveness;
    /** Registered on the platform MBean server while the pool runs, if the config asks; else null. */
    private volatile PoolMBean mbean;

    private PoolEngine(PoolConfig config, PythonEnvironment.Resolved python, WorkerSource.Factory sources)
            throws IOException {
        this.config = config;
        this.python = python;
        Events events = new Events(config.listener(), config.name());
        PoolThreads threads = new PoolThreads(config.name());
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, config.name() + "-timer");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        Redactor redactor = Redactor.of(config.environment(), config.secretNames());
        Executor user;
        if (config.callbackExecutor() != null) {
            this.ownedCallbackExecutor = null;
            user = config.callbackExecutor();
        } else {
            AtomicLong n = new AtomicLong();
            this.ownedCallbackExecutor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, config.name() + "-callback-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            user = ownedCallbackExecutor;
        }
        // Once the executor is shut down (the pool closed), the last completions run inline
        // rather than being dropped: a future must never be left incomplete.
        this.callbackExecutor = task -> {
            try {
                user.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        };
        this.state = new PoolState(config);
        Completions completions = new Completions(state, events);
        this.dispatcher = new Dispatcher(state, completions, scheduler, up, callbackExecutor);
        this.workerLogs = new WorkerLogs(config.name(), redactor);
        this.reader = new WorkerReader(config, dispatcher, completions, up, redactor, callbackExecutor, threads,
                workerLogs);
        this.sessions = new Sessions(state, dispatcher, scheduler, up);
        this.source = sources.create(new WorkerSource.SourceContext(config,
                python == null ? List.of() : python.command(), runId, threads, redactor));
        this.supervisor = new WorkerSupervisor(state, events, up, source, reader, dispatcher, sessions,
                completions, threads, scheduler);
        this.recycler = new Recycler(state, supervisor, scheduler, events, this::reconcileSize);
        this.resizer = new Resizer(state, supervisor, recycler, dispatcher);
        this.liveness = new Liveness(state, up);
        events.poolStarting(new View());
        if (config.shutdownHook()) {
            this.shutdownHook = new Thread(this::closeOnShutdown, config.name() + "-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            this.shutdownHook = null;
        }
    }

    /** Starts a pool: all workers at once, returning when all are ready (unless lazy). */
    public static PoolEngine start(PoolConfig config) {
        // Before anything is built: provisioning may take a while, and a wrong interpreter
        // fails here with a message that names it (a PythonEnvironmentException).
        if (config.remoteHosts().isEmpty()) {
            return start(config, config.python().resolve(), LocalWorkerSource::new);
        }
        // Workers on hosts need no Python here; mixed with local ones, they do.
        return start(config, config.localWorkers() ? config.python().resolve() : null, RemoteWorkerSource::new);
    }

    /**
     * Starts a pool whose workers come from {@code sources} (the engine's tests use an in-JVM
     * fake): no Python is resolved, so such a pool needs none on the machine.
     */
    static PoolEngine start(PoolConfig config, WorkerSource.Factory sources) {
        return start(config, null, sources);
    }

    private static PoolEngine start(PoolConfig config, PythonEnvironment.Resolved python,
                                    WorkerSource.Factory sources) {
        PoolEngine engine;
        try {
            engine = new PoolEngine(config, python, sources);
        } catch (IOException e) {
            throw new PoolStartException("could not create the pool's socket: " + e.getMessage(), null, "", e);
        }
        engine.startAll();
        return engine;
    }

    private void startAll() {
        long t0 = System.nanoTime();
        Orphans.reap(config.name());
        LOG.info("pool {} starting: {} workers x {} slots, python={}, modules={}, run={}", config.name(),
                config.workers(), config.slots(),
                python == null ? config.python() : python.description(), config.modules(), runId);
        if (config.registerMBean()) {
            // Before any worker: a name already taken fails the start at once, costing nothing.
            try {
                mbean = PoolMBean.register(this);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        List<Worker> initial = new ArrayList<>();
        for (int i = 0; i < config.workers(); i++) {
            initial.add(supervisor.start(null, false));
        }
        if (config.lazyStart()) {
            markStarted();
            return;
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(initial.stream().map(w -> w.ready)
                .toArray(CompletableFuture[]::new));
        CompletableFuture<Void> firstFailure = new CompletableFuture<>();
        initial.forEach(w -> w.ready.whenComplete((v, e) -> {
            if (e != null) {
                firstFailure.completeExceptionally(e);
            }
        }));
        try {
            CompletableFuture.anyOf(all, firstFailure).get(config.startTimeout().toMillis() + 5_000,
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof PoolStartException) {
                throw (PoolStartException) cause;
            }
            throw new PoolStartException("pool " + config.name() + " failed to start: " + cause, null, "", cause);
        } catch (TimeoutException e) {
            close();
            throw new PoolStartException("pool " + config.name() + " did not start within "
                    + config.startTimeout(), null, "", e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new PoolStartException("interrupted while starting pool " + config.name(), null, "", e);
        }
        markStarted();
        LOG.info("pool {} ready: {} workers in {} ms", config.name(), config.workers(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    private void markStarted() {
        state.lock();
        try {
            state.started = true;
        } finally {
            state.unlock();
        }
        long every = config.heartbeatInterval().toMillis();
        if (every > 0) {
            // A fixed delay, not rate: after a pause the missed checks must not run back to back
            // (each would count an unanswered ping the readers had no time to read; see Liveness).
            scheduler.scheduleWithFixedDelay(liveness::check, every, every, TimeUnit.MILLISECONDS);
        }
        if (recycler.hasLimits()) {
            long period = recycler.checkPeriodMillis();
            scheduler.scheduleAtFixedRate(recycler::check, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** What listeners read of the pool: live snapshots, each under the pool's lock. */
    private final class View implements PoolView {
        @Override
        public String name() {
            return config.name();
        }

        @Override
        public PoolStats stats() {
            return state.stats();
        }

        @Override
        public PoolHealth health() {
            return state.health();
        }

        @Override
        public int slots() {
            return state.readySlots();
        }

        @Override
        public String toString() {
            return "PoolView{" + config.name() + "}";
        }
    }

    // ---------------------------------------------------------------- what the parts report up

    /** Hands each report of the lower parts to the part that decides what it means. */
    private final class Reports implements WorkerEvents {
        @Override
        public void workerReady(Worker w, Map<String, Object> hello) {
            supervisor.onReady(w, hello);
            recycler.retireIfIdle(w); // retired while it was starting: it leaves at once
            resizer.reconcile(); // a probe that closed the circuit: the rest of the target starts
        }

        @Override
        public void sessionsEnded(Worker w) {
            recycler.retireIfIdle(w);
        }

        @Override
        public void workerDied(Worker w, Throwable cause, boolean protocolError) {
            supervisor.workerDied(w, cause, protocolError);
        }

        @Override
        public void slotFreed(Worker w) {
            recycler.onSlotFreed(w);
        }

        @Override
        public void overran(Worker w, long calls) {
            recycler.recycle(w, dev.taipan.PoolListener.RecycleReason.OVERRUN,
                    calls + " call(s) overran their deadline and their threads still run");
        }
    }

    // ---------------------------------------------------------------- calls

    /** The call path sessions and futures use: submit, wait (reading the own reply), cancel. */
    private final class Calls implements CallPath {
        @Override
        public PendingCall submit(String function, Object args, CallOptions options, SessionImpl session) {
            return dispatcher.submit(function, args, options, session);
        }

        @Override
        public Object await(PendingCall call) {
            reader.readOwnReply(call);
            return dispatcher.await(call);
        }

        @Override
        public CompletableFuture<Object> async(PendingCall call) {
            return dispatcher.async(call, this);
        }

        @Override
        public boolean cancel(PendingCall call) {
            return dispatcher.cancel(call);
        }

        @Override
        public void closeSession(SessionImpl s, SessionImpl.State newState) {
            sessions.close(s, newState);
        }
    }

    public Object call(String function, Object args, CallOptions options) {
        return calls.await(calls.submit(function, args, options, null));
    }

    public CompletableFuture<Object> callAsync(String function, Object args, CallOptions options) {
        return calls.async(calls.submit(function, args, options, null));
    }

    public PoolConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- sessions

    public Session openSession(SessionOptions options) {
        return sessions.open(options, calls);
    }

    // ---------------------------------------------------------------- state

    public PoolStats stats() {
        return state.stats();
    }

    public PoolHealth health() {
        return state.health();
    }

    public List<WorkerInfo> workers() {
        return state.workerInfos();
    }

    /** A recycle changed which workers the pool keeps: the resizer looks again. */
    private void reconcileSize() {
        resizer.reconcile();
    }

    /** See {@link dev.taipan.TaipanPool#resize}. */
    public void resize(int workers) {
        resizer.resize(workers);
    }

    /** See {@link dev.taipan.TaipanPool#recycleWorkers}. */
    public CompletableFuture<Void> recycleWorkers() {
        return resizer.recycleAll();
    }

    public String runId() {
        return runId;
    }

    /** Where the workers' log records go, for tests in this package that watch them. */
    WorkerLogs workerLogsForTesting() {
        return workerLogs;
    }

    /** The live workers, for tests in this package that look at their internals. */
    List<Worker> workersForTesting() {
        return state.workersWhere(w -> true);
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Stops taking calls, lets in-flight calls finish (up to the drain timeout), then stops
     * every worker: SIGTERM, and SIGKILL of its whole process tree after the kill timeout.
     */
    @Override
    public void close() {
        shutdown(config.drainTimeout().toMillis(), config.killTimeout().toMillis());
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running or ran.
            }
        }
    }

    private void closeOnShutdown() {
        shutdown(Math.min(2_000, config.drainTimeout().toMillis()), Math.min(2_000, config.killTimeout().toMillis()));
    }

    private void shutdown(long drainMillis, long killMillis) {
        List<PendingCall> rejected;
        state.lock();
        try {
            if (state.closed) {
                return;
            }
            state.closed = true;
            rejected = new ArrayList<>(state.waiters);
            state.waiters.clear();
            rejected.forEach(c -> c.waiting = false);
        } finally {
            state.unlock();
        }
        LOG.info("pool {} closing", config.name());
        PoolMBean registered = mbean;
        if (registered != null) {
            registered.unregister();
            mbean = null;
        }
        dispatcher.reject(rejected, c -> new PoolClosedException("pool " + config.name()
                + " closed before the call got a worker"));
        state.awaitIdle(drainMillis);
        List<Worker> all;
        state.lock();
        try {
            all = new ArrayList<>(state.workers);
            all.forEach(Worker::drain);
        } finally {
            state.unlock();
        }
        stopProcesses(all, killMillis);
        for (Worker w : all) {
            Connection c = w.connection;
            if (c != null) {
                c.close();
            }
            supervisor.failPending(w, call -> new PoolClosedException("pool " + config.name() + " closed while "
                    + call.function + " was running"), Outcome.REJECTED);
            // Workers that had not started yet fail their start.
            w.ready.completeExceptionally(new PoolClosedException("pool " + config.name() + " closed"));
        }
        CompletableFuture<Void> recycling;
        state.lock();
        try {
            recycling = state.endRecycling(); // a recycleWorkers waiting on it learns of the close
        } finally {
            state.unlock();
        }
        if (recycling != null) {
            recycling.complete(null);
        }
        source.close();
        scheduler.shutdownNow();
        liveness.close();
        if (ownedCallbackExecutor != null) {
            // Let already-queued completions run; new work has nowhere to come from.
            ownedCallbackExecutor.shutdown();
        }
        LOG.info("pool {} closed", config.name());
    }

    /** SIGTERM to every worker, SIGKILL to whatever is left of their trees after {@code killMillis}. */
    private void stopProcesses(List<Worker> all, long killMillis) {
        List<ProcessHandle> trees = new ArrayList<>();
        for (Worker w : all) {
            WorkerProcess p = w.process;
            if (p != null) {
                trees.addAll(p.tree());
                p.terminate();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(killMillis);
        for (Worker w : all) {
            WorkerProcess p = w.process;
            if (p != null) {
                long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                if (p.awaitExit(left) == null && p.isAlive()) {
                    LOG.warn("pool {} worker {} did not exit {} ms after SIGTERM: killing it", config.name(), w.id,
                            killMillis);
                }
            }
        }
        for (Worker w : all) {
            WorkerProcess p = w.process;
            if (p != null && p.isAlive()) {
                p.kill(); // its tree as it is now, below a guardian first
            }
        }
        trees.forEach(ProcessTrees::killIfAlive); // and anything that had left it
        for (Worker w : all) {
            WorkerProcess p = w.process;
            if (p != null) {
                p.awaitExit(2_000);
            }
        }
    }
}
