package dev.taipan.pool;

import dev.taipan.AcquireTimeoutException;
import dev.taipan.CallCancelledException;
import dev.taipan.CallOptions;
import dev.taipan.CallTimeoutException;
import dev.taipan.PoolClosedException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolHealth;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PoolStartException;
import dev.taipan.PoolStats;
import dev.taipan.PoolUnavailableException;
import dev.taipan.PythonException;
import dev.taipan.SerializationException;
import dev.taipan.Session;
import dev.taipan.SessionClosedException;
import dev.taipan.SessionLostException;
import dev.taipan.SessionRestoredException;
import dev.taipan.SessionSnapshot;
import dev.taipan.TaipanException;
import dev.taipan.WaitQueueFullException;
import dev.taipan.WorkerInfo;
import dev.taipan.WorkerLostException;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's machinery behind {@link dev.taipan.TaipanPool}: routing, the wait queue,
 * timeouts, sessions, worker deaths and replacements, and shutdown.
 *
 * <p>One lock guards all routing state. Calls are short critical sections (pick the
 * least-busy ready worker, bump a counter); I/O, process handling and user callbacks
 * always happen outside it.
 */
public final class PoolEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PoolEngine.class);

    final PoolConfig config;
    final Events events;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final PoolThreads threads;
    private final ScheduledExecutorService scheduler;
    /** Where workers come from (see {@link WorkerSource}). */
    private final WorkerSource source;
    private final AtomicLong callIds = new AtomicLong();
    private final AtomicLong workerSeq = new AtomicLong();
    private final AtomicLong heartbeatSeq = new AtomicLong();
    private final Redactor redactor;
    private final ExecutorService heartbeats;
    private final Thread shutdownHook;
    /** Runs user code: async completions, chunk consumers, Java callbacks. */
    private final Executor callbackExecutor;
    private final ExecutorService ownedCallbackExecutor;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    // Everything below is guarded by lock.
    private final List<Worker> workers = new ArrayList<>();
    private final ArrayDeque<PendingCall> waiters = new ArrayDeque<>();
    private final Map<String, SessionImpl> sessions = new LinkedHashMap<>();
    private int inFlight;
    private long callsCompleted;
    private long callsFailed;
    private long callsRetried;
    private long callsCancelled;
    private long callsTimedOut;
    private long workersRecycled;
    private boolean recyclingOne;
    private long workersReplaced;
    private int consecutiveStartFailures;
    private boolean circuitOpen;
    private String lastStartFailure;
    private boolean started;
    private boolean closed;

    private PoolEngine(PoolConfig config, WorkerSource.Factory sources) throws IOException {
        this.config = config;
        this.events = new Events(config.listener(), config.name());
        this.threads = new PoolThreads(config.name());
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, config.name() + "-timer");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        this.redactor = Redactor.of(config.environment(), config.secretNames());
        this.source = sources.create(new WorkerSource.SourceContext(config, runId, threads, redactor));
        this.heartbeats = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, config.name() + "-heartbeat");
            t.setDaemon(true);
            return t;
        });
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
        if (config.shutdownHook()) {
            this.shutdownHook = new Thread(this::closeOnShutdown, config.name() + "-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            this.shutdownHook = null;
        }
    }

    /** Starts a pool: all workers at once, returning when all are ready (unless lazy). */
    public static PoolEngine start(PoolConfig config) {
        return start(config, LocalWorkerSource::new);
    }

    /** Starts a pool whose workers come from {@code sources} (the engine's tests use an in-JVM fake). */
    static PoolEngine start(PoolConfig config, WorkerSource.Factory sources) {
        PoolEngine engine;
        try {
            engine = new PoolEngine(config, sources);
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
                config.workers(), config.slots(), config.python(), config.modules(), runId);
        List<Worker> initial = new ArrayList<>();
        for (int i = 0; i < config.workers(); i++) {
            initial.add(startWorker(null));
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
            if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
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
        lock.lock();
        try {
            started = true;
        } finally {
            lock.unlock();
        }
        long every = config.heartbeatInterval().toMillis();
        if (every > 0) {
            scheduler.scheduleAtFixedRate(this::checkLiveness, every, every, TimeUnit.MILLISECONDS);
        }
        if (!config.maxWorkerLifetime().isZero() || config.maxWorkerRssBytes() > 0 || config.maxCallsPerWorker() > 0) {
            long period = Math.max(50, Math.min(1_000, config.maxWorkerLifetime().isZero() ? 1_000
                    : config.maxWorkerLifetime().toMillis() / 10));
            scheduler.scheduleAtFixedRate(this::checkRecycling, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Kills workers that have sent nothing for three heartbeat intervals and pings the rest.
     * The pings are written by their own thread: a worker that stopped reading must not be
     * able to block the timer thread on a full socket buffer.
     */
    private void checkLiveness() {
        long now = System.nanoTime();
        long limit = config.heartbeatInterval().toNanos() * 3;
        List<Worker> live = new ArrayList<>();
        lock.lock();
        try {
            for (Worker w : workers) {
                if (w.state == WorkerState.READY || w.state == WorkerState.DRAINING) {
                    live.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Worker w : live) {
            long silent = now - w.lastHeardNanos;
            if (silent > limit) {
                workerDied(w, new HeartbeatTimeout("no frame for " + TimeUnit.NANOSECONDS.toMillis(silent)
                        + " ms (heartbeat every " + config.heartbeatInterval().toMillis() + " ms)"), false);
            } else {
                Connection c = w.connection;
                long seq = heartbeatSeq.incrementAndGet();
                heartbeats.execute(() -> {
                    try {
                        c.writeHeartbeat(Messages.heartbeat(seq));
                        c.wakeParkedReader(); // someone must read the answer
                    } catch (IOException e) {
                        // The reader sees the broken socket too.
                    }
                });
            }
        }
    }

    /** Why a worker was declared unresponsive. */
    static final class HeartbeatTimeout extends TaipanException {
        HeartbeatTimeout(String message) {
            super(message);
        }
    }

    // ---------------------------------------------------------------- workers

    private Worker startWorker(String replacing) {
        return startWorker(replacing, false);
    }

    private Worker startWorker(String replacing, boolean forRecycling) {
        Worker w = new Worker("w-" + workerSeq.incrementAndGet(), replacing);
        w.forRecycling = forRecycling;
        lock.lock();
        try {
            if (closed) {
                w.state = WorkerState.DEAD;
                w.dead = true;
                w.ready.completeExceptionally(new PoolClosedException("pool " + config.name() + " closed"));
                return w;
            }
        } finally {
            lock.unlock();
        }
        if (!config.maxWorkerLifetime().isZero()) {
            // Up to 20% earlier, so workers started together are not all recycled together.
            long life = config.maxWorkerLifetime().toNanos();
            w.recycleAtNanos = w.startNanos + life - (long) (life * 0.2 * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        }
        lock.lock();
        try {
            workers.add(w);
        } finally {
            lock.unlock();
        }
        events.workerStarting(w.id);
        // Nobody reads its output any more: its prints would soon block. Replace it.
        w.onOutputFailure = e -> workerDied(w, new TaipanException("worker " + w.id
                + "'s output could not be read (" + e + "); replacing it"), false);
        CompletableFuture<Connection> connected;
        CompletableFuture<WorkerProcess> launched;
        try {
            w.startTimer = scheduler.schedule(() -> {
                if (stateOf(w) == WorkerState.STARTING) {
                    workerDied(w, new TaipanException("worker " + w.id + " did not become ready within "
                            + config.startTimeout()), false);
                }
            }, config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
            WorkerSource.Launch launch = source.launch(w);
            connected = launch.connection();
            launched = launch.process();
        } catch (RejectedExecutionException e) {
            // The pool closed while this worker was being scheduled.
            workerDied(w, new PoolClosedException("pool " + config.name() + " closed"), false);
            return w;
        }
        launched.whenComplete((process, err) -> {
            if (err != null) {
                connected.cancel(false);
                workerDied(w, err, false);
                return;
            }
            if (stateOf(w) == WorkerState.DEAD || isClosed()) {
                // Spawned after close() took its snapshot, or after the worker was given up on.
                process.kill();
            }
            process.onExit().thenRun(() -> workerDied(w, null, false));
            connected.whenComplete((conn, e) -> {
                if (e != null) {
                    return; // The listener closed, or the start timer fired: handled there.
                }
                w.connection = conn;
                LOG.debug("pool {} worker {} stage=authenticated after {} ms", config.name(), w.id,
                        (System.nanoTime() - w.startNanos) / 1_000_000);
                threads.start(w.id + "-reader", () -> readLoop(w, conn));
            });
        });
        return w;
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    private WorkerState stateOf(Worker w) {
        lock.lock();
        try {
            return w.state;
        } finally {
            lock.unlock();
        }
    }

    private void readLoop(Worker w, Connection conn) {
        Throwable cause = null;
        boolean protocolError = false;
        try {
            Map<String, Object> hello = conn.read();
            if (hello == null) {
                throw new IOException("connection closed before hello");
            }
            if (!Messages.HELLO.equals(Messages.type(hello))) {
                throw new dev.taipan.protocol.ProtocolException("expected 'hello', got '" + Messages.type(hello) + "'");
            }
            w.lastHeardNanos = System.nanoTime();
            onReady(w, hello);
            while (!w.dead && readerTurn(w, conn)) {
                // until the end of the stream, an error, or the worker's death
            }
        } catch (dev.taipan.protocol.ProtocolException e) {
            cause = e;
            protocolError = true;
        } catch (IOException | RuntimeException e) {
            cause = e;
        }
        workerDied(w, cause, protocolError);
    }

    /** How long the idle reader waits before looking at the socket anyway. */
    private static final long READER_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long a reader or a caller reading its own reply waits on the socket before looking around. */
    private static final long READ_SLICE_MILLIS = 1_000;

    /** A reply (or a heartbeat's answer) is owed, so somebody must read. */
    private static boolean readerHasWork(Worker w, Connection conn) {
        return !w.pending.isEmpty() || conn.heartbeatOwed();
    }

    /**
     * One turn of the reader thread, after hello. It reads only while a reply is owed and no
     * synchronous caller is reading its own (see {@link #readOwnReply}); otherwise it waits,
     * and every READER_IDLE_NANOS it looks at the socket for anything nobody asked for (an end
     * of stream, an error about the connection). Returns false at a clean end of stream.
     */
    private boolean readerTurn(Worker w, Connection conn) throws IOException {
        conn.parkReader(() -> w.dead || readerHasWork(w, conn), READER_IDLE_NANOS);
        boolean idle = !readerHasWork(w, conn);
        if (idle) {
            if (!conn.tryLead()) {
                return true; // a caller is reading
            }
        } else {
            conn.lead();
        }
        try {
            // Once nothing is owed, let go at once: the next lone caller can then read its own reply.
            while (!w.dead && (idle || readerHasWork(w, conn))) {
                Map<String, Object> msg = conn.next(idle ? 0 : READ_SLICE_MILLIS);
                if (msg == null) {
                    return false;
                }
                if (msg != Connection.NOTHING) {
                    w.lastHeardNanos = System.nanoTime();
                    onMessage(w, msg);
                } else if (idle) {
                    break;
                }
            }
        } finally {
            conn.unlead();
        }
        return true;
    }

    private void onReady(Worker w, Map<String, Object> hello) {
        w.hello = hello;
        java.util.Set<String> idem = new java.util.HashSet<>();
        for (Object f : Messages.list(hello, "idempotent")) {
            idem.add(String.valueOf(f));
        }
        w.idempotentFunctions = java.util.Set.copyOf(idem);
        List<PendingCall> toSend;
        WorkerInfo info;
        lock.lock();
        try {
            if (w.state != WorkerState.STARTING) {
                return;
            }
            w.state = WorkerState.READY;
            consecutiveStartFailures = 0;
            if (circuitOpen) {
                LOG.info("pool {} circuit closed: worker {} started", config.name(), w.id);
            }
            circuitOpen = false;
            lastStartFailure = null;
            if (w.replacing != null && !w.forRecycling) {
                workersReplaced++;
            }
            toSend = assignWaiters(w);
            info = w.info();
        } finally {
            lock.unlock();
        }
        Duration startTime = Duration.ofNanos(System.nanoTime() - w.startNanos);
        LOG.info("pool {} worker {} stage=ready pid={} python={} functions={} in {} ms", config.name(), w.id,
                hello.get("pid"), hello.get("python"), Messages.list(hello, "functions").size(), startTime.toMillis());
        w.ready.complete(null);
        ScheduledFuture<?> timer = w.startTimer;
        if (timer != null) {
            timer.cancel(false); // do not keep the worker reachable from the timer queue
        }
        events.workerReady(info, startTime);
        if (w.replacing != null) {
            events.workerReplaced(w.replacing, w.id);
        }
        toSend.forEach(c -> send(w, c));
        moveWaitingSessions();
    }

    private void onMessage(Worker w, Map<String, Object> msg) {
        if (msg instanceof dev.taipan.protocol.PartialMessage) {
            onUndecodableValue(w, (dev.taipan.protocol.PartialMessage) msg);
            return;
        }
        String type = Messages.type(msg);
        switch (type) {
            case Messages.RESULT: {
                PendingCall call = w.pending.remove(Messages.integer(msg, "id"));
                if (call != null) {
                    // Free the slot first: a caller that sees its result also sees it counted out.
                    release(w, call);
                    TaipanException snapshotFailed = call.session == null ? null
                            : call.session.snapshotFailure(call, msg.get("value"));
                    if (snapshotFailed != null) {
                        finishInOrder(call, null, snapshotFailed, Outcome.PYTHON_ERROR);
                    } else {
                        finishInOrder(call, msg.get("value"), null, Outcome.SUCCESS);
                    }
                }
                break;
            }
            case Messages.ERROR: {
                Object id = msg.get("id");
                if (id == null) {
                    LOG.warn("pool {} worker {} reported: {} {}", config.name(), w.id, msg.get("kind"),
                            msg.get("message"));
                    break;
                }
                PendingCall call = w.pending.remove(Messages.integer(msg, "id"));
                if (call == null) {
                    break;
                }
                if (call.session != null) {
                    call.session.forgetFailure(call.id); // the call's own error says more
                }
                String kind = String.valueOf(msg.get("kind"));
                if ("draining".equals(kind)) {
                    // The call never ran: the worker was told to stop from outside the pool.
                    // Stop routing to it and give the call to another worker.
                    markDraining(w);
                    release(w, call);
                    requeue(call);
                    break;
                }
                TaipanException ex = RemoteErrors.toException(call, msg, config.maxFrameBytes(), redactor);
                release(w, call);
                finishInOrder(call, null, ex, ex instanceof PythonException ? Outcome.PYTHON_ERROR
                        : ex instanceof CallTimeoutException ? Outcome.TIMEOUT
                        : ex instanceof CallCancelledException ? Outcome.CANCELLED : Outcome.PYTHON_ERROR);
                break;
            }
            case Messages.HEARTBEAT: {
                Object overrun = msg.get("overrun");
                if (overrun instanceof Long && (Long) overrun > 0) {
                    // Threads still running calls that already ended: capacity lost for good.
                    recycle(w, overrun + " call(s) overran their deadline and their threads still run");
                }
                break;
            }
            case Messages.CHUNK: {
                PendingCall call = w.pending.get(Messages.integer(msg, "id"));
                if (call != null && call.deliveries != null && !call.isEnded()) {
                    long seq = Messages.integer(msg, "seq");
                    ChunkFlow flow = call.flow;
                    if (flow != null && flow.worker == w && !flow.receive(seq)) {
                        throw new dev.taipan.protocol.ProtocolException("chunk " + seq + " of call " + call.id
                                + " is beyond its window of " + flow.window + " chunks");
                    }
                    Object data = msg.get("data");
                    call.deliveries.execute(() -> deliverChunk(call, flow, seq, data));
                }
                break;
            }
            case Messages.CALLBACK:
                onCallback(w, msg);
                break;
            case Messages.SESSION_STATE: {
                // Sent just before the result of the call it follows.
                PendingCall call = w.pending.get(Messages.integer(msg, "id"));
                if (call != null && call.session != null && call.session.id.equals(Messages.string(msg, "session"))) {
                    call.session.onState(w, call.id, msg);
                }
                break;
            }
            default:
                throw new dev.taipan.protocol.ProtocolException("a worker may not send '" + type + "'");
        }
    }

    /**
     * A frame of a call carries a value outside the value domain (docs/PROTOCOL.md, "Values"):
     * that call alone fails with a SerializationException; the connection and the worker are fine.
     */
    private void onUndecodableValue(Worker w, dev.taipan.protocol.PartialMessage msg) {
        String type = Messages.type(msg);
        long id = Messages.integer(msg, "id");
        String problem = redactor.redact(msg.problem());
        Object callbackId = msg.get("callback_id");
        if (Messages.CALLBACK.equals(type) && callbackId instanceof Long) {
            // Python's call_java raises; the call itself goes on.
            Connection c = w.connection;
            try {
                if (c != null) {
                    c.write(Messages.callbackResult(id, (Long) callbackId, null,
                            "SerializationException: the callback's arguments cannot be decoded: " + problem));
                }
            } catch (IOException | TaipanException e) {
                // The worker died meanwhile: its death handling fails the call.
            }
            return;
        }
        boolean ended = Messages.RESULT.equals(type) || Messages.ERROR.equals(type);
        PendingCall call = ended ? w.pending.remove(id) : w.pending.get(id);
        if (call == null) {
            return;
        }
        SerializationException ex = new SerializationException("the " + (Messages.CHUNK.equals(type) ? "chunk"
                : ended ? type : "message") + " of " + call.function + " from worker " + w.id
                + " cannot be decoded: " + problem);
        if (ended) {
            release(w, call);
            finish(call, null, ex, Outcome.PYTHON_ERROR);
        } else if (finish(call, null, ex, Outcome.PYTHON_ERROR)) {
            sendCancel(w, call); // still running in Python: stop it; its answer frees the slot
        }
    }

    /**
     * Ends a call with its worker's own answer. A stream's answer waits for the chunks already
     * received (ordered delivery), but only as long as the call's timeout: the timeout, a
     * cancel or a failing consumer end the call at once, and undelivered chunks are dropped.
     */
    private void finishInOrder(PendingCall call, Object value, TaipanException error, Outcome outcome) {
        if (call.deliveries != null) {
            call.deliveries.execute(() -> finish(call, value, error, outcome));
        } else {
            finish(call, value, error, outcome);
        }
    }

    /** On the call's SerialExecutor: hands one chunk to the consumer, then frees window credit. */
    private void deliverChunk(PendingCall call, ChunkFlow flow, long seq, Object data) {
        if (call.isEnded()) {
            return; // timed out, cancelled or failed: nobody waits for more chunks
        }
        try {
            call.onChunk.accept(data);
        } catch (Throwable t) {
            // Even an Error (a failed assertion): the consumer is part of the call, so its failure
            // is the call's, and Python stops producing for nobody.
            Worker w = call.worker;
            if (finish(call, null, new dev.taipan.ChunkConsumerException("the chunk consumer of " + call.function
                    + " threw on chunk " + seq + ": " + t, t), Outcome.CONSUMER_FAILED) && w != null) {
                sendCancel(w, call);
            }
            return;
        }
        long ack = flow == null ? -1 : flow.consumed(seq);
        if (ack >= 0) {
            Worker w = flow.worker;
            Connection c = w.connection;
            if (c != null && !w.dead && w.pending.get(call.id) == call) {
                try {
                    c.write(Messages.chunkAck(call.id, ack));
                } catch (IOException e) {
                    // The worker is dying; its death handling ends the call.
                }
            }
        }
    }

    /** Whether the worker's generators pause for {@code chunk_ack}s (hello capability). */
    private static boolean takesChunkAcks(Worker w) {
        Map<String, Object> hello = w.hello;
        return hello != null && Messages.list(hello, "capabilities").contains("chunk_ack");
    }

    /** Python asks for a Java function during a call: run it off the reader thread, answer. */
    private void onCallback(Worker w, Map<String, Object> msg) {
        long id = Messages.integer(msg, "id");
        long callbackId = Messages.integer(msg, "callback_id");
        String name = Messages.string(msg, "name");
        Object args = msg.get("args");
        PendingCall call = w.pending.get(id);
        if (call == null || call.isEnded()) {
            return; // the call is over; the worker was told to cancel it
        }
        dev.taipan.JavaCallback fn = call.callbacks.get(name);
        callbackExecutor.execute(() -> {
            Object value = null;
            String error = null;
            if (fn == null) {
                error = "UnknownCallback: no Java callback named '" + name + "' for this call; registered: "
                        + call.callbacks.keySet();
            } else {
                try {
                    value = fn.apply(args);
                } catch (Exception e) {
                    error = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
            }
            Connection c = w.connection;
            if (c == null) {
                return;
            }
            byte[] frame;
            try {
                frame = FrameCodec.encode(Messages.callbackResult(id, callbackId, value, error), config.maxFrameBytes());
            } catch (TaipanException e) {
                frame = FrameCodec.encode(Messages.callbackResult(id, callbackId, null,
                        e.getClass().getSimpleName() + ": the callback's result cannot be sent: " + e.getMessage()),
                        config.maxFrameBytes());
            }
            try {
                c.write(frame);
            } catch (IOException e) {
                // The worker died; its death handling fails the call.
            }
        });
    }

    /** Whether the dying worker is the one being recycled (its exit is the plan, not a failure). */
    private boolean wasRecycled(Worker w) {
        if (recyclingOne) {
            for (Worker other : workers) {
                if (w.id.equals(other.replacing)) {
                    recyclingOne = false;
                    return true;
                }
            }
        }
        return false;
    }

    private void markDraining(Worker w) {
        lock.lock();
        try {
            if (w.state.canMoveTo(WorkerState.DRAINING)) {
                w.state = WorkerState.DRAINING;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * A worker is gone (EOF, read error, protocol error, process exit, or start failure).
     * The first report wins; the rest are no-ops.
     */
    private void workerDied(Worker w, Throwable cause, boolean protocolError) {
        boolean wasReady;
        List<PendingCall> strandedWaiters = new ArrayList<>();
        List<SessionImpl> lostSessions = new ArrayList<>();
        List<SessionImpl> movingSessions = new ArrayList<>();
        boolean respawn;
        boolean closing;
        long delayMillis = 0;
        lock.lock();
        try {
            if (w.state == WorkerState.DEAD) {
                return;
            }
            wasReady = w.state != WorkerState.STARTING;
            boolean wasDraining = w.state == WorkerState.DRAINING;
            w.state = WorkerState.DEAD;
            w.dead = true;
            workers.remove(w);
            inFlight -= w.inFlight;
            w.inFlight = 0;
            for (SessionImpl s : sessions.values()) {
                if (s.worker == w) {
                    (s.snapshots() && s.last() != null ? movingSessions : lostSessions).add(s);
                }
            }
            for (SessionImpl s : lostSessions) {
                s.state = SessionImpl.State.LOST;
                s.lostMessage = "session " + s.id + " was lost: its worker " + w.id + " died"
                        + (s.snapshots() ? " and it had no snapshot to restore yet" : "");
                sessions.remove(s.id);
            }
            for (SessionImpl s : movingSessions) {
                // It moves with its last snapshot; its waiting calls stay in line for the new worker.
                s.moving = true;
                s.inFlight = 0; // all its calls were on w: they end with it
                s.movedFrom = w;
                s.moveSnapshot = s.last();
                s.forgetFailures();
            }
            for (Iterator<PendingCall> it = waiters.iterator(); it.hasNext(); ) {
                PendingCall c = it.next();
                if (c.session != null && c.session.worker == w && !c.session.moving) {
                    it.remove();
                    c.waiting = false;
                    strandedWaiters.add(c);
                }
            }
            closing = closed;
            boolean recycled = wasDraining && wasRecycled(w);
            w.recycledExit = recycled;
            if (w.recycling && !wasDraining) {
                // Died while its successor was still starting: the successor simply takes its
                // place, and recycling must stay possible for the other workers.
                w.recycling = false;
                recyclingOne = false;
            }
            respawn = !closed && (started || config.lazyStart()) && !recycled;
            if (!wasReady) {
                consecutiveStartFailures++;
                if (respawn && consecutiveStartFailures >= config.maxConsecutiveStartFailures() && !circuitOpen) {
                    circuitOpen = true;
                    LOG.error("pool {} circuit open: {} consecutive worker start failures; probing every {}",
                            config.name(), consecutiveStartFailures, config.circuitRetryInterval());
                }
                delayMillis = circuitOpen ? config.circuitRetryInterval().toMillis()
                        : Math.min(config.maxRestartBackoff().toMillis(),
                        config.restartBackoff().toMillis() << Math.min(20, consecutiveStartFailures - 1));
            }
            if (circuitOpen && readyCount() == 0) {
                for (Iterator<PendingCall> it = waiters.iterator(); it.hasNext(); ) {
                    PendingCall c = it.next();
                    it.remove();
                    c.waiting = false;
                    strandedWaiters.add(c);
                }
            }
            idle.signalAll();
        } finally {
            lock.unlock();
        }
        // Before the calls in flight fail: they must be told whether the session lives on.
        for (SessionImpl s : movingSessions) {
            prepareRestore(s);
            tryMove(s);
        }
        final boolean ready = wasReady;
        final boolean stopping = closing;
        final long delay = delayMillis;
        // A worker that was serving is replaced at once, not after the post-mortem: waiting for
        // its exit status and the end of its stderr would add that wait to every recovery.
        final boolean replaceLater = respawn && !wasReady; // a start failure: after its backoff
        if (respawn && !replaceLater) {
            LOG.info("pool {} replacing worker {} now", config.name(), w.id);
            scheduleReplacement(w, 0);
        }
        // Post-mortem off the reader / process-reaper thread: it waits for the exit status.
        threads.start(w.id + "-reaper", () -> postMortem(w, cause, protocolError, ready, stopping,
                strandedWaiters, lostSessions, replaceLater, delay));
    }

    private void postMortem(Worker w, Throwable cause, boolean protocolError, boolean wasReady, boolean closing,
                            List<PendingCall> strandedWaiters, List<SessionImpl> lostSessions,
                            boolean respawn, long delayMillis) {
        Connection conn = w.connection;
        if (conn != null) {
            conn.close();
        }
        WorkerProcess p = w.process;
        Integer exitCode = null;
        if (p != null) {
            // A worker that ended by itself may not be reaped yet (a spawned one's guardian exits
            // just after it): a moment's grace, so its own exit status is reported, not our SIGKILL.
            if (p.isAlive() && (protocolError || cause != null) && p.awaitExit(200) == null) {
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
                : exitCode == null && !p.isAlive() ? "ended with its zygote (exit status unknown)"
                : describeExit(exitCode, signal, cause);
        WorkerLostException lost = RemoteErrors.workerLost(w.id, how, exitCode, signal, tail, cause, protocolError);
        if (closing) {
            LOG.debug("pool {} worker {} stopped: {}", config.name(), w.id, how);
            failPending(w, c -> new PoolClosedException("pool " + config.name() + " closed while " + c.function
                    + " was running on worker " + w.id), Outcome.REJECTED);
        } else if (!wasReady) {
            String msg = "worker " + w.id + " failed to start: " + how
                    + (tail.isEmpty() ? " (it wrote nothing to stderr)" : "\n--- worker stderr (last lines) ---\n" + tail);
            lock.lock();
            try {
                lastStartFailure = "worker " + w.id + ": " + how + (tail.isEmpty() ? "" : "; stderr ends: "
                        + lastLine(tail));
            } finally {
                lock.unlock();
            }
            w.ready.completeExceptionally(new PoolStartException(msg, exitCode, tail, cause));
            LOG.warn("pool {} {}", config.name(), msg);
        } else if (w.recycledExit) {
            LOG.info("pool {} worker {} recycled: {}", config.name(), w.id, how);
        } else {
            LOG.warn("pool {} worker {} died: {}{}", config.name(), w.id, how,
                    tail.isEmpty() ? "" : "; stderr ends: " + lastLine(tail));
        }
        retryOrFail(w, lost);
        for (PendingCall c : strandedWaiters) {
            TaipanException ex = c.session != null ? lostFor(c, lost)
                    : new PoolUnavailableException("no worker can start: " + lastStartFailureOrUnknown(), stats());
            finish(c, null, ex, Outcome.REJECTED);
        }
        for (SessionImpl s : lostSessions) {
            s.lostCause = lost;
        }
        events.workerExited(w.id, exitCode, how);
        if (respawn) {
            LOG.info("pool {} replacing worker {} in {} ms", config.name(), w.id, delayMillis);
            scheduleReplacement(w, delayMillis);
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
            lock.lock();
            try {
                retryable = (c.idempotent || w.idempotentFunctions.contains(c.function)) && c.session == null;
                if (RemoteErrors.crashed(lost)) {
                    c.crashedWorkers.add(w.id);
                }
                crashed = List.copyOf(c.crashedWorkers);
                retry = retryable && c.retriesLeft > 0 && crashed.size() < PendingCall.CRASH_BARRIER && !closed
                        && !c.isEnded();
                if (retry) {
                    c.retriesLeft--;
                    c.worker = null;
                    callsRetried++;
                }
            } finally {
                lock.unlock();
            }
            if (retry) {
                LOG.info("pool {} retrying idempotent call {} ({}) after worker {} was lost", config.name(), c.id,
                        c.function, w.id);
                route(c);
            } else if (retryable && crashed.size() >= PendingCall.CRASH_BARRIER) {
                // The crash barrier: a call whose run and retry both crashed their worker is most
                // likely what crashes them; running it again would take a third worker with it.
                LOG.warn("pool {} call {} ({}) not retried again: it crashed {} workers {}", config.name(), c.id,
                        c.function, crashed.size(), crashed);
                finish(c, null, RemoteErrors.notRetriedAgain(lost, crashed), Outcome.WORKER_LOST);
            } else {
                finish(c, null, lostFor(c, lost), Outcome.WORKER_LOST);
            }
        }
    }

    /** Fails every call the worker still owes an answer; removal first, so each fails once. */
    private void failPending(Worker w, java.util.function.Function<PendingCall, TaipanException> error,
                             Outcome outcome) {
        for (Long id : new ArrayList<>(w.pending.keySet())) {
            PendingCall c = w.pending.remove(id);
            if (c != null) {
                finish(c, null, error.apply(c), outcome);
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

    private void replace(String old) {
        lock.lock();
        try {
            if (closed || workers.size() >= config.workers()) {
                return;
            }
        } finally {
            lock.unlock();
        }
        startWorker(old);
    }

    private static String lastLine(String tail) {
        int i = tail.lastIndexOf('\n');
        return i < 0 ? tail : tail.substring(i + 1);
    }

    private String lastStartFailureOrUnknown() {
        lock.lock();
        try {
            return lastStartFailure == null ? "unknown cause" : lastStartFailure;
        } finally {
            lock.unlock();
        }
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

    private TaipanException lostFor(PendingCall c, WorkerLostException lost) {
        SessionImpl s = c.session;
        if (s != null) {
            lock.lock();
            try {
                if (s.state != SessionImpl.State.LOST && s.moveSnapshot != null && s.movedFrom != null
                        && s.movedFrom.id.equals(lost.workerId())) {
                    return new SessionRestoredException("the worker " + lost.workerId() + " of session " + s.id
                            + " died during " + c.function + "; the session moves to another worker with its snapshot "
                            + s.moveSnapshot.seq() + ", so its state is back to that snapshot; the call was not retried",
                            s.id, s.moveSnapshot.seq(), lost);
                }
                return new SessionLostException(s.lostMessage != null ? s.lostMessage : "session " + s.id
                        + " was lost: its worker " + lost.workerId() + " died", lost);
            } finally {
                lock.unlock();
            }
        }
        return lost;
    }

    // ---------------------------------------------------------------- calls

    /** Validates, encodes and routes a call; the returned call's result completes once. */
    PendingCall submit(String function, Object args, CallOptions options, SessionImpl session) {
        if (function == null || function.isEmpty()) {
            throw new IllegalArgumentException("function name must not be empty");
        }
        CallOptions opts = options == null ? CallOptions.DEFAULT : options;
        Duration timeout = opts.timeoutOrNull() != null ? opts.timeoutOrNull() : config.callTimeout();
        long id = callIds.incrementAndGet();
        Object wireArgs = JavaValues.toWireArgs(args);
        String sessionId = session == null ? null : session.id;
        byte[] frame;
        try {
            frame = FrameCodec.encode(callMessage(id, function, wireArgs, sessionId, timeout, opts),
                    config.maxFrameBytes());
        } catch (SerializationException e) {
            // Records or POJOs nested inside maps and lists: convert them, then try once more.
            frame = FrameCodec.encode(callMessage(id, function, JavaValues.pojosToMaps(wireArgs), sessionId, timeout,
                    opts), config.maxFrameBytes());
        }
        PendingCall call = new PendingCall(id, function, frame, session, timeout, opts.chunkConsumerOrNull(),
                opts.callbacks(), callbackExecutor, opts.idempotent());
        try {
            call.timeoutTimer = scheduler.schedule(() -> onTimeout(call), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            finish(call, null, new PoolClosedException("pool " + config.name() + " is closed"), Outcome.REJECTED);
            return call;
        }
        call.submitting = true; // see send: the caller itself reads the reply, or wakes the reader
        route(call);
        call.submitting = false;
        return call;
    }

    /** A call with a chunk consumer asks for back-pressure: a credit window the host acknowledges. */
    private Map<String, Object> callMessage(long id, String function, Object args, String sessionId,
                                            Duration timeout, CallOptions opts) {
        return opts.chunkConsumerOrNull() == null
                ? Messages.call(id, function, args, sessionId, timeout.toMillis())
                : Messages.call(id, function, args, sessionId, timeout.toMillis(), config.streamWindow(),
                config.streamWindowBytes());
    }

    private void route(PendingCall call) {
        Worker target = null;
        TaipanException rejection = null;
        lock.lock();
        try {
            if (closed) {
                rejection = new PoolClosedException("pool " + config.name() + " is closed");
            } else if (call.session != null) {
                SessionImpl s = call.session;
                if (s.state == SessionImpl.State.LOST) {
                    rejection = new SessionLostException(s.lostMessage != null ? s.lostMessage : "session " + s.id
                            + " was lost: its worker " + s.worker.id + " died", s.lostCause);
                } else if (s.state != SessionImpl.State.OPEN) {
                    rejection = new SessionClosedException("session " + s.id + " is "
                            + (s.state == SessionImpl.State.EVICTED ? "evicted after being idle for "
                            + config.sessionIdleTimeout() : "closed"));
                } else {
                    s.lastUsedNanos = System.nanoTime();
                    if (s.worker.state.takesCalls() && s.worker.inFlight < config.slots()) {
                        target = s.worker;
                    }
                }
            } else {
                target = Routing.leastBusy(workers, config.slots());
            }
            if (rejection == null && target == null) {
                if (call.session == null && circuitOpen && readyCount() == 0) {
                    rejection = new PoolUnavailableException("no worker is ready and starting workers keeps failing ("
                            + (lastStartFailure == null ? "unknown cause" : lastStartFailure) + ")", statsLocked());
                } else if (waiters.size() >= config.maxWaiting()) {
                    rejection = new WaitQueueFullException("all " + config.workers() * config.slots()
                            + " slots are busy and " + waiters.size() + " calls are already waiting", statsLocked());
                } else {
                    call.waiting = true;
                    waiters.addLast(call);
                    try {
                        call.acquireTimer = scheduler.schedule(() -> onAcquireTimeout(call),
                                config.acquireTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException e) {
                        // Only a closing pool rejects; close() fails every waiter.
                    }
                }
            }
            if (target != null) {
                take(target, call);
            }
        } finally {
            lock.unlock();
        }
        if (rejection != null) {
            finish(call, null, rejection, Outcome.REJECTED);
        } else if (target != null) {
            send(target, call);
        }
    }

    /** Puts a call that a draining worker refused back in line. */
    private void requeue(PendingCall call) {
        if (!call.isEnded()) {
            route(call);
        }
    }

    private int readyCount() {
        int n = 0;
        for (Worker w : workers) {
            if (w.state.takesCalls()) {
                n++;
            }
        }
        return n;
    }

    private void take(Worker w, PendingCall call) {
        w.inFlight++;
        inFlight++;
        call.worker = w;
        if (call.session != null) {
            call.session.inFlight++;
        }
    }

    private void send(Worker w, PendingCall call) {
        if (call.isEnded()) {
            // Timed out or cancelled between routing and sending: give the slot back.
            release(w, call);
            return;
        }
        if (call.deliveries != null) {
            call.flow = new ChunkFlow(w, config.streamWindow(), takesChunkAcks(w)); // each attempt from seq 0
        }
        w.pending.put(call.id, call);
        if (w.dead) {
            // The worker died between routing and now; its post-mortem may already have run.
            if (w.pending.remove(call.id) != null) {
                finish(call, null, RemoteErrors.workerLost(w.id, "it died before the call was sent", null, null,
                        w.stderrTail(), null, false), Outcome.WORKER_LOST);
            }
            return;
        }
        try {
            Connection conn = w.connection;
            conn.write(call.frame);
            if (!call.submitting || call.submitter != Thread.currentThread()) {
                // Nobody else will read the reply. Sent from submit, the caller itself reads it
                // or wakes the reader (await, async).
                conn.wakeParkedReader();
            }
            if (call.isEnded()) {
                sendCancel(w, call); // timed out or cancelled while we were writing it
            }
        } catch (IOException | RuntimeException e) {
            // The reader will see the broken socket too; make sure the call fails now.
            workerDied(w, e, false);
        }
    }

    /** The worker is done with a call: free its slot and hand it to the next waiter. */
    private void release(Worker w, PendingCall call) {
        PendingCall next = null;
        lock.lock();
        try {
            if (call.worker == w && w.state != WorkerState.DEAD) {
                w.inFlight--;
                inFlight--;
                w.callsCompleted++;
            }
            if (call.session != null) {
                call.session.inFlight--;
                call.session.lastUsedNanos = System.nanoTime();
            }
            if (w.state.takesCalls() && w.inFlight < config.slots()) {
                next = pollWaiterFor(w);
                if (next != null) {
                    take(w, next);
                }
            }
            if (inFlight == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (next != null) {
            send(w, next);
        }
        if (config.maxCallsPerWorker() > 0 && w.callsCompleted >= config.maxCallsPerWorker()) {
            recycle(w, w.callsCompleted + " calls");
        }
        stopIfDrained(w);
    }

    // ---------------------------------------------------------------- recycling

    /**
     * Replaces a healthy worker that reached a limit, without losing capacity: a new worker
     * starts first; once it is ready the old one takes no new calls, finishes its own, and
     * exits. One worker at a time; workers holding sessions wait until their sessions close.
     */
    private void recycle(Worker old, String why) {
        lock.lock();
        try {
            if (closed || recyclingOne || old.recycling || old.state != WorkerState.READY || old.sessions > 0) {
                return;
            }
            old.recycling = true;
            recyclingOne = true;
        } finally {
            lock.unlock();
        }
        LOG.info("pool {} recycling worker {} ({}): starting its replacement first", config.name(), old.id, why);
        Worker fresh;
        try {
            fresh = startWorker(old.id, true);
        } catch (RuntimeException e) {
            abandonRecycle(old);
            return;
        }
        fresh.ready.whenComplete((v, e) -> {
            if (e != null) {
                abandonRecycle(old);
                return;
            }
            lock.lock();
            try {
                if (old.state == WorkerState.READY && old.sessions == 0) {
                    old.state = WorkerState.DRAINING;
                } else if (old.state == WorkerState.READY) {
                    // A session was opened meanwhile (before openSession saw the flag): keep the
                    // worker; the successor stays as an extra until one of them is retired.
                    old.recycling = false;
                    recyclingOne = false;
                }
            } finally {
                lock.unlock();
            }
            stopIfDrained(old);
        });
    }

    private void abandonRecycle(Worker old) {
        lock.lock();
        try {
            old.recycling = false;
            recyclingOne = false;
        } finally {
            lock.unlock();
        }
        LOG.warn("pool {} could not start a replacement for worker {}; it keeps serving", config.name(), old.id);
    }

    /** A recycled worker with nothing left in flight is told to exit (SIGTERM; it drains). */
    private void stopIfDrained(Worker w) {
        lock.lock();
        try {
            if (!w.recycling || w.state != WorkerState.DRAINING || w.inFlight > 0) {
                return;
            }
            w.recycling = false; // stop once
            workersRecycled++;
        } finally {
            lock.unlock();
        }
        WorkerProcess p = w.process;
        if (p != null) {
            p.terminate();
            scheduler.schedule(() -> {
                if (p.isAlive()) {
                    p.kill();
                }
            }, config.killTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Lifetime and memory limits, checked on the timer. */
    private void checkRecycling() {
        long now = System.nanoTime();
        List<Worker> ready = new ArrayList<>();
        lock.lock();
        try {
            for (Worker w : workers) {
                if (w.state == WorkerState.READY && !w.recycling) {
                    ready.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Worker w : ready) {
            if (config.maxCallsPerWorker() > 0 && w.callsCompleted >= config.maxCallsPerWorker()) {
                recycle(w, w.callsCompleted + " calls");
                return;
            }
            if (now >= w.recycleAtNanos) {
                recycle(w, "lifetime " + config.maxWorkerLifetime());
                return;
            }
            if (config.maxWorkerRssBytes() > 0) {
                long rss = ProcessTrees.rssBytes(w.pid());
                if (rss > config.maxWorkerRssBytes()) {
                    recycle(w, "resident memory " + rss / (1024 * 1024) + " MiB");
                    return;
                }
            }
        }
    }

    private PendingCall pollWaiterFor(Worker w) {
        PendingCall c = Routing.pollWaiterFor(waiters, w);
        if (c != null && c.acquireTimer != null) {
            c.acquireTimer.cancel(false);
        }
        return c;
    }

    private List<PendingCall> assignWaiters(Worker w) {
        List<PendingCall> out = new ArrayList<>();
        while (w.inFlight < config.slots()) {
            PendingCall c = pollWaiterFor(w);
            if (c == null) {
                break;
            }
            take(w, c);
            out.add(c);
        }
        return out;
    }

    private void onAcquireTimeout(PendingCall call) {
        boolean removed;
        PoolStats stats;
        lock.lock();
        try {
            removed = call.waiting && waiters.remove(call);
            call.waiting = false;
            stats = statsLocked();
        } finally {
            lock.unlock();
        }
        if (removed) {
            finish(call, null, new AcquireTimeoutException("no worker slot for " + call.function + " within "
                    + config.acquireTimeout(), stats), Outcome.REJECTED);
        }
    }

    private void onTimeout(PendingCall call) {
        Worker w = unlinkOrWorker(call);
        String where = w == null ? "while waiting for a worker slot" : "while running on worker " + w.id;
        if (finish(call, null, new CallTimeoutException(call.function + " timed out after " + call.timeout
                + " " + where, call.timeout), Outcome.TIMEOUT) && w != null) {
            sendCancel(w, call);
        }
    }

    /**
     * Cancellation by the caller: a future cancelled, or a waiting thread interrupted. Returns
     * false if the call had already ended another way: then that outcome stands, for the
     * caller and the stats alike.
     */
    boolean cancel(PendingCall call) {
        Worker w = unlinkOrWorker(call);
        boolean won = finish(call, null, new CallCancelledException(call.function + " was cancelled by the caller"),
                Outcome.CANCELLED);
        if (won && w != null) {
            sendCancel(w, call);
        }
        return won;
    }

    /** Removes a waiting call from the queue, or returns the worker it was sent to. */
    private Worker unlinkOrWorker(PendingCall call) {
        lock.lock();
        try {
            if (call.waiting) {
                waiters.remove(call);
                call.waiting = false;
                return null;
            }
            return call.worker;
        } finally {
            lock.unlock();
        }
    }

    private void sendCancel(Worker w, PendingCall call) {
        Connection c = w.connection;
        if (c == null || !w.pending.containsKey(call.id)) {
            return;
        }
        try {
            c.write(Messages.cancel(call.id));
        } catch (IOException e) {
            // The worker is dying; its death handling frees the slot.
        }
    }

    /** Completes a call once; returns whether this completion won. */
    private boolean finish(PendingCall call, Object value, TaipanException error, Outcome outcome) {
        if (!call.end()) {
            return false;
        }
        Connection reading = call.readingOn;
        if (reading != null && Thread.currentThread() != call.submitter) {
            reading.wakeLeader(); // the caller waits on the socket for this call: let it go
        }
        call.cancelTimers();
        // Count first: a caller that sees its result also sees it in the stats. Exactly one
        // finish per call gets here, so every call is counted once, as its caller sees it.
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
        Worker w = call.worker;
        events.callCompleted(call.function, w == null ? null : w.id, call.elapsed(), outcome);
        // At once, even for a stream: its worker's own answer was queued behind its chunks
        // (finishInOrder); any other end (timeout, cancel) must not wait for a slow consumer.
        if (error == null) {
            call.result.complete(value);
        } else {
            call.result.completeExceptionally(error);
        }
        return true;
    }

    /** Waits for a call on the caller's thread; interruption cancels the call. */
    Object await(PendingCall call) {
        readOwnReply(call);
        try {
            return call.result.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TaipanException) {
                throw (TaipanException) cause;
            }
            throw new TaipanException("call to " + call.function + " failed: " + cause, cause);
        } catch (InterruptedException e) {
            if (!cancel(call)) {
                // The call ended just before the interrupt: report what it did, as the stats do.
                Thread.currentThread().interrupt();
                return endedOutcome(call);
            }
            Thread.currentThread().interrupt();
            throw new CallCancelledException("interrupted while waiting for " + call.function, e);
        } catch (CancellationException e) {
            throw new CallCancelledException(call.function + " was cancelled", e);
        }
    }

    /** The outcome of a call that has ended (its result completes at once, uninterruptibly). */
    private static Object endedOutcome(PendingCall call) {
        try {
            return call.result.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TaipanException) {
                throw (TaipanException) cause;
            }
            throw new TaipanException("call to " + call.function + " failed: " + cause, cause);
        }
    }

    /**
     * A synchronous caller reads its worker's socket itself until its own call ends, if no other
     * thread is reading it (typically: the call is the worker's only one in flight). Frames
     * for other calls are handled as the reader thread would. This saves the hand-off from
     * the reader thread to the caller, which is most of the pool's own latency on a no-op call.
     * Otherwise the reader thread reads (it is woken if it waits).
     */
    private void readOwnReply(PendingCall call) {
        Worker w = call.worker;
        Connection conn = w == null ? null : w.connection;
        if (conn == null || call.isEnded()) {
            return;
        }
        if (!conn.tryLead()) {
            conn.wakeParkedReader();
            return;
        }
        call.readingOn = conn; // finish() wakes us when the call ends another way
        try {
            while (!call.isEnded() && call.worker == w && !w.dead && !Thread.currentThread().isInterrupted()) {
                Map<String, Object> msg = conn.next(READ_SLICE_MILLIS);
                if (msg == null) {
                    workerDied(w, null, false); // end of stream, as the reader thread would see it
                    break;
                }
                if (msg != Connection.NOTHING) {
                    w.lastHeardNanos = System.nanoTime();
                    onMessage(w, msg);
                }
            }
        } catch (dev.taipan.protocol.ProtocolException e) {
            workerDied(w, e, true);
        } catch (IOException | RuntimeException e) {
            workerDied(w, e, false);
        } finally {
            call.readingOn = null;
            conn.unlead();
            if (readerHasWork(w, conn)) {
                conn.wakeParkedReader(); // other replies are owed: the reader takes over
            }
        }
    }

    /** The caller-facing future: completed on the callback executor, cancellable. */
    CompletableFuture<Object> async(PendingCall call) {
        Worker w = call.worker;
        Connection conn = w == null ? null : w.connection;
        if (conn != null) {
            conn.wakeParkedReader(); // see send: the reader reads the reply
        }
        CallFuture f = new CallFuture(this, call);
        call.result.whenComplete((v, e) -> callbackExecutor.execute(() -> f.settle(v, e)));
        return f;
    }

    public Object call(String function, Object args, CallOptions options) {
        return await(submit(function, args, options, null));
    }

    public CompletableFuture<Object> callAsync(String function, Object args, CallOptions options) {
        return async(submit(function, args, options, null));
    }

    public PoolConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- sessions

    public Session openSession(dev.taipan.SessionOptions options) {
        SessionImpl s;
        Worker best = null;
        lock.lock();
        try {
            if (closed) {
                throw new PoolClosedException("pool " + config.name() + " is closed");
            }
            for (Worker w : workers) {
                if (w.state.takesCalls() && !w.recycling && (best == null || w.sessions < best.sessions
                        || (w.sessions == best.sessions && w.inFlight < best.inFlight))) {
                    best = w;
                }
            }
            if (best == null) {
                throw new PoolUnavailableException("no ready worker to hold a session", statsLocked());
            }
            if (options.snapshots() != dev.taipan.SnapshotPolicy.NONE
                    && !Messages.list(best.hello, "capabilities").contains("snapshots")) {
                throw new TaipanException("worker " + best.id + " cannot snapshot sessions (no 'snapshots' capability "
                        + "in its hello): its taipan_worker package is older than this pool");
            }
            s = new SessionImpl(UUID.randomUUID().toString(), best, this, options);
            best.sessions++;
            sessions.put(s.id, s);
            ensureSessionSweeper();
        } finally {
            lock.unlock();
        }
        if (s.snapshots()) {
            // Before any call of the session (frames to a worker keep their order).
            Connection c = best.connection;
            try {
                c.write(Messages.sessionOpen(s.id, s.wireMode()));
            } catch (IOException e) {
                workerDied(best, e, false); // the session is lost with it: no snapshot yet
            }
        }
        return s;
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
            lock.lock();
            try {
                s.restoreFrame = frame;
            } finally {
                lock.unlock();
            }
        } catch (TaipanException e) {
            loseMovingSession(s, "its snapshot " + snap.seq() + " cannot be restored: " + e.getMessage(), e);
        }
    }

    /**
     * Restores a moving session on the ready worker holding the fewest sessions: writes its
     * snapshot there, and only then lets its calls go to that worker, so the restore always
     * arrives before them. With no ready worker it waits for the next one ({@link #onReady}).
     */
    private void tryMove(SessionImpl s) {
        Worker target = null;
        lock.lock();
        try {
            if (s.state != SessionImpl.State.OPEN || !s.moving || s.moveTarget != null || s.restoreFrame == null) {
                return;
            }
            for (Worker w : workers) {
                if (w.state.takesCalls() && !w.recycling && w.connection != null
                        && (target == null || w.sessions < target.sessions)) {
                    target = w;
                }
            }
            if (target == null) {
                return;
            }
            s.moveTarget = target;
        } finally {
            lock.unlock();
        }
        IOException failed = null;
        try {
            target.connection.write(s.restoreFrame);
        } catch (IOException e) {
            failed = e;
        }
        if (failed != null) {
            workerDied(target, failed, false); // so that the next try picks another worker
        }
        List<PendingCall> toSend = List.of();
        boolean closeThere = false;
        boolean again = false;
        boolean moved = false;
        SessionSnapshot snap;
        lock.lock();
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
                toSend = assignWaiters(target);
                moved = true;
            }
        } finally {
            lock.unlock();
        }
        if (closeThere) {
            try {
                target.connection.write(Messages.sessionClose(s.id));
            } catch (IOException e) {
                // The worker is going away and the state with it.
            }
        } else if (again) {
            tryMove(s);
        } else if (moved) {
            LOG.info("pool {} session {} restored on worker {} from snapshot {} (worker {} died)", config.name(), s.id,
                    target.id, snap.seq(), snap.workerId());
            Worker to = target;
            toSend.forEach(c -> send(to, c));
        }
    }

    /** A worker became ready: sessions waiting for one move there. */
    private void moveWaitingSessions() {
        List<SessionImpl> waiting = new ArrayList<>();
        lock.lock();
        try {
            for (SessionImpl s : sessions.values()) {
                if (s.moving && s.moveTarget == null) {
                    waiting.add(s);
                }
            }
        } finally {
            lock.unlock();
        }
        waiting.forEach(this::tryMove);
    }

    private void loseMovingSession(SessionImpl s, String why, TaipanException cause) {
        List<PendingCall> stranded = new ArrayList<>();
        String message;
        lock.lock();
        try {
            if (s.state != SessionImpl.State.OPEN) {
                return;
            }
            s.state = SessionImpl.State.LOST;
            s.moving = false;
            sessions.remove(s.id);
            message = "session " + s.id + " was lost: its worker " + s.worker.id + " died and " + why;
            s.lostMessage = message;
            s.lostCause = cause;
            for (Iterator<PendingCall> it = waiters.iterator(); it.hasNext(); ) {
                PendingCall c = it.next();
                if (c.session == s) {
                    it.remove();
                    c.waiting = false;
                    stranded.add(c);
                }
            }
        } finally {
            lock.unlock();
        }
        LOG.warn("pool {} {}", config.name(), message);
        stranded.forEach(c -> finish(c, null, new SessionLostException(message, cause), Outcome.REJECTED));
    }

    private boolean sweeperStarted;

    private void ensureSessionSweeper() {
        if (sweeperStarted) {
            return;
        }
        sweeperStarted = true;
        long period = Math.max(50, Math.min(30_000, config.sessionIdleTimeout().toMillis() / 4));
        scheduler.scheduleAtFixedRate(this::evictIdleSessions, period, period, TimeUnit.MILLISECONDS);
    }

    private void evictIdleSessions() {
        long now = System.nanoTime();
        long ttl = config.sessionIdleTimeout().toNanos();
        List<SessionImpl> idleOnes = new ArrayList<>();
        lock.lock();
        try {
            for (SessionImpl s : sessions.values()) {
                if (s.inFlight == 0 && now - s.lastUsedNanos > ttl) {
                    idleOnes.add(s);
                }
            }
        } finally {
            lock.unlock();
        }
        for (SessionImpl s : idleOnes) {
            LOG.info("pool {} session {} evicted after being idle for {}", config.name(), s.id,
                    config.sessionIdleTimeout());
            closeSession(s, SessionImpl.State.EVICTED);
        }
    }

    void closeSession(SessionImpl s, SessionImpl.State newState) {
        Worker w;
        lock.lock();
        try {
            if (s.state != SessionImpl.State.OPEN) {
                return;
            }
            s.state = newState;
            sessions.remove(s.id);
            w = s.worker;
            w.sessions--;
            if (w.state == WorkerState.DEAD) {
                return;
            }
        } finally {
            lock.unlock();
        }
        Connection c = w.connection;
        if (c != null) {
            try {
                c.write(Messages.sessionClose(s.id));
            } catch (IOException e) {
                // The worker is going away and its state with it.
            }
        }
    }

    boolean isOpen(SessionImpl s) {
        lock.lock();
        try {
            return s.state == SessionImpl.State.OPEN;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- state

    public PoolStats stats() {
        lock.lock();
        try {
            return statsLocked();
        } finally {
            lock.unlock();
        }
    }

    private PoolStats statsLocked() {
        int ready = 0;
        int starting = 0;
        for (Worker w : workers) {
            if (w.state == WorkerState.READY) {
                ready++;
            } else if (w.state == WorkerState.STARTING) {
                starting++;
            }
        }
        return new PoolStats(workers.size(), ready, starting, inFlight, waiters.size(), sessions.size(),
                callsCompleted, callsFailed, callsRetried, workersReplaced, workersRecycled, callsCancelled,
                callsTimedOut);
    }

    public PoolHealth health() {
        lock.lock();
        try {
            PoolStats s = statsLocked();
            List<WorkerInfo> infos = new ArrayList<>();
            workers.forEach(w -> infos.add(w.info()));
            PoolHealth.Status status;
            String reason;
            if (closed) {
                status = PoolHealth.Status.CLOSED;
                reason = "pool is closed";
            } else if (circuitOpen) {
                status = PoolHealth.Status.CIRCUIT_OPEN;
                reason = consecutiveStartFailures + " consecutive worker start failures; retrying every "
                        + config.circuitRetryInterval() + "; last: " + lastStartFailure;
            } else if (s.ready() > 0 && s.waiting() > 0 && s.inFlight() >= s.ready() * config.slots()) {
                status = PoolHealth.Status.SATURATED;
                reason = "all " + s.ready() * config.slots() + " slots of " + s.ready() + " ready workers are busy and "
                        + s.waiting() + " calls are waiting";
            } else if (s.ready() == config.workers()) {
                status = PoolHealth.Status.HEALTHY;
                reason = "all " + s.ready() + " workers ready";
            } else if (s.ready() == 0) {
                status = PoolHealth.Status.STARTING;
                reason = "no worker ready yet (" + s.starting() + " starting)"
                        + (lastStartFailure == null ? "" : "; last start failure: " + lastStartFailure);
            } else {
                status = PoolHealth.Status.DEGRADED;
                reason = s.ready() + " of " + config.workers() + " workers ready (" + s.starting() + " starting)"
                        + (lastStartFailure == null ? "" : "; last start failure: " + lastStartFailure);
            }
            return new PoolHealth(status, reason, s, List.copyOf(infos));
        } finally {
            lock.unlock();
        }
    }

    public List<WorkerInfo> workers() {
        lock.lock();
        try {
            List<WorkerInfo> infos = new ArrayList<>();
            workers.forEach(w -> infos.add(w.info()));
            return infos;
        } finally {
            lock.unlock();
        }
    }

    public String runId() {
        return runId;
    }

    /** The live workers, for tests in this package that look at their internals. */
    List<Worker> workersForTesting() {
        lock.lock();
        try {
            return List.copyOf(workers);
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            rejected = new ArrayList<>(waiters);
            waiters.clear();
            rejected.forEach(c -> c.waiting = false);
        } finally {
            lock.unlock();
        }
        LOG.info("pool {} closing", config.name());
        rejected.forEach(c -> finish(c, null, new PoolClosedException("pool " + config.name()
                + " closed before the call got a worker"), Outcome.REJECTED));
        awaitIdle(drainMillis);
        List<Worker> all;
        lock.lock();
        try {
            all = new ArrayList<>(workers);
            for (Worker w : all) {
                if (w.state.canMoveTo(WorkerState.DRAINING)) {
                    w.state = WorkerState.DRAINING;
                }
            }
        } finally {
            lock.unlock();
        }
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
            Connection c = w.connection;
            if (c != null) {
                c.close();
            }
            failPending(w, call -> new PoolClosedException("pool " + config.name() + " closed while "
                    + call.function + " was running"), Outcome.REJECTED);
            // Workers that had not started yet fail their start.
            w.ready.completeExceptionally(new PoolClosedException("pool " + config.name() + " closed"));
        }
        source.close();
        scheduler.shutdownNow();
        heartbeats.shutdownNow();
        if (ownedCallbackExecutor != null) {
            // Let already-queued completions run; new work has nowhere to come from.
            ownedCallbackExecutor.shutdown();
        }
        LOG.info("pool {} closed", config.name());
    }

    private void awaitIdle(long millis) {
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
}
