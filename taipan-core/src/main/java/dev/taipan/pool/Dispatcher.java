package dev.taipan.pool;

import dev.taipan.AcquireTimeoutException;
import dev.taipan.CallCancelledException;
import dev.taipan.CallOptions;
import dev.taipan.CallTracer;
import dev.taipan.CallTimeoutException;
import dev.taipan.PoolClosedException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PoolStats;
import dev.taipan.PoolUnavailableException;
import dev.taipan.SessionClosedException;
import dev.taipan.SessionLostException;
import dev.taipan.TaipanException;
import dev.taipan.TracedCall;
import dev.taipan.WaitQueueFullException;
import dev.taipan.WorkerLostException;
import dev.taipan.protocol.CallFrame;
import dev.taipan.protocol.Messages;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls from submission to their worker and back: encode once (each send then carries the
 * time left of the call's one deadline), route to the least-busy ready
 * worker (or the session's own), wait in line for a slot, send, free the slot when the worker
 * is done and hand it to the next waiter, and the three ways a caller stops waiting (the
 * acquire timeout, the call timeout, a cancel). It knows workers only as slots and
 * connections: how they start, die and are replaced is the supervisor's business, reported
 * to it through {@link WorkerEvents}.
 */
final class Dispatcher {
    private final PoolState state;
    private final PoolConfig config;
    private final Completions completions;
    private final ScheduledExecutorService scheduler;
    private final WorkerEvents up;
    private final Executor callbackExecutor;
    private final AtomicLong callIds = new AtomicLong();

    Dispatcher(PoolState state, Completions completions, ScheduledExecutorService scheduler, WorkerEvents up,
               Executor callbackExecutor) {
        this.state = state;
        this.config = state.config;
        this.completions = completions;
        this.scheduler = scheduler;
        this.up = up;
        this.callbackExecutor = callbackExecutor;
    }

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
        Map<String, Object> message = callMessage(id, function, wireArgs, sessionId, timeout, opts);
        CallTracer tracer = config.callTracer();
        TracedCall trace = tracer == null ? null : startTrace(tracer, function, sessionId, message);
        // One pass: records and POJOs nested anywhere are converted as the encoder meets them.
        CallFrame frame;
        try {
            frame = CallFrame.encode(message, config.maxFrameBytes(), JavaValues::convertUnknown);
        } catch (RuntimeException e) {
            if (trace != null) {
                Tracing.end(trace, e instanceof TaipanException ? (TaipanException) e
                        : new TaipanException("call to " + function + " could not be encoded: " + e.getMessage(), e),
                        null, List.of());
            }
            throw e;
        }
        PendingCall call = new PendingCall(id, function, frame, session, timeout, opts.chunkConsumerOrNull(),
                opts.callbacks(), callbackExecutor, opts.idempotent());
        call.trace = trace;
        try {
            call.timeoutTimer = scheduler.schedule(() -> onTimeout(call), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            completions.finish(call, null, new PoolClosedException("pool " + config.name() + " is closed"),
                    Outcome.REJECTED);
            return call;
        }
        call.submitting = true; // see send: the caller itself reads the reply, or wakes the reader
        route(call);
        call.submitting = false;
        return call;
    }

    /** On the caller's thread: the call's trace, its headers added to {@code message}; null if none. */
    private TracedCall startTrace(CallTracer tracer, String function, String sessionId, Map<String, Object> message) {
        TracedCall trace = Tracing.start(tracer, function, sessionId);
        if (trace != null) {
            Messages.withTraceContext(message, trace.traceparent(), trace.tracestate());
        }
        return trace;
    }

    /** A call with a chunk consumer asks for back-pressure: a credit window the host acknowledges. */
    private Map<String, Object> callMessage(long id, String function, Object args, String sessionId,
                                            Duration timeout, CallOptions opts) {
        return opts.chunkConsumerOrNull() == null
                ? Messages.call(id, function, args, sessionId, timeout.toMillis())
                : Messages.call(id, function, args, sessionId, timeout.toMillis(), config.streamWindow(),
                config.streamWindowBytes());
    }

    /** Sends the call to a worker with a free slot, puts it in line for one, or rejects it. */
    void route(PendingCall call) {
        Worker target = null;
        TaipanException rejection = null;
        state.lock();
        try {
            if (state.closed) {
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
                    if (s.worker.hasFreeSlot()) {
                        target = s.worker;
                    }
                }
            } else {
                target = Routing.leastBusy(state.workers);
            }
            if (rejection == null && target == null) {
                if (call.session == null && state.circuitOpen && state.readyCount() == 0) {
                    rejection = new PoolUnavailableException("no worker is ready and starting workers keeps failing ("
                            + (state.lastStartFailure == null ? "unknown cause" : state.lastStartFailure) + ")",
                            state.statsLocked());
                } else if (state.waiters.size() >= config.maxWaiting()) {
                    rejection = new WaitQueueFullException("all " + state.targetWorkers * config.slots()
                            + " slots are busy and " + state.waiters.size() + " calls are already waiting",
                            state.statsLocked());
                } else {
                    call.waiting = true;
                    state.waiters.addLast(call);
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
            state.unlock();
        }
        if (rejection != null) {
            completions.finish(call, null, rejection, Outcome.REJECTED);
        } else if (target != null) {
            send(target, call);
        }
    }

    /** The worker said it is draining (stopped from outside the pool): route nothing more to it. */
    void drain(Worker w) {
        state.lock();
        try {
            w.drain();
        } finally {
            state.unlock();
        }
    }

    /** Puts a call that a draining worker refused back in line. */
    void requeue(PendingCall call) {
        if (!call.isEnded()) {
            route(call);
        }
    }

    /** Lock held: the call takes one of the worker's slots. */
    private void take(Worker w, PendingCall call) {
        w.takeSlot();
        state.inFlight++;
        call.worker = w;
        if (call.firstSentNanos == 0) {
            call.firstSentNanos = System.nanoTime();
        }
        if (call.session != null) {
            call.session.inFlight++;
        }
    }

    /**
     * What a call learns of its worker's death: a session's call hears what became of its
     * session (restored or lost, as the calls in flight do), any other the loss itself.
     */
    private TaipanException lostFor(PendingCall call, WorkerLostException lost) {
        if (call.session == null) {
            return lost;
        }
        state.lock();
        try {
            return call.session.callLost(call.function, lost);
        } finally {
            state.unlock();
        }
    }

    /** Writes the call to its worker (outside the lock). */
    void send(Worker w, PendingCall call) {
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
                WorkerLostException lost = RemoteErrors.workerLost(w.id, "it died before the call was sent", null,
                        null, w.stderrTail(), null, false);
                completions.finish(call, null, lostFor(call, lost), Outcome.WORKER_LOST);
            }
            return;
        }
        try {
            Connection conn = w.connection;
            conn.write(call.frameToSend()); // timeout_ms: the time left of the call's one deadline
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
            up.workerDied(w, e, false);
        }
    }

    /** Sends each call to the worker that took it (outside the lock). */
    void sendAll(Worker w, List<PendingCall> calls) {
        calls.forEach(c -> send(w, c));
    }

    /** Whether the worker's generators pause for {@code chunk_ack}s (hello capability). */
    private static boolean takesChunkAcks(Worker w) {
        Map<String, Object> hello = w.hello;
        return hello != null && Messages.list(hello, "capabilities").contains("chunk_ack");
    }

    /** The worker is done with a call: free its slot and hand it to the next waiter. */
    void release(Worker w, PendingCall call) {
        PendingCall next = null;
        state.lock();
        try {
            if (call.worker == w && w.state != WorkerState.DEAD) {
                w.freeSlot();
                state.inFlight--;
            }
            if (call.session != null) {
                call.session.inFlight--;
                call.session.lastUsedNanos = System.nanoTime();
            }
            if (w.hasFreeSlot()) {
                next = pollWaiterFor(w);
                if (next != null) {
                    take(w, next);
                }
            }
            if (state.inFlight == 0) {
                state.signalIdle();
            }
        } finally {
            state.unlock();
        }
        if (next != null) {
            send(w, next);
        }
        up.slotFreed(w);
    }

    /** Lock held: the oldest waiting call worker {@code w} may serve, removed from the line. */
    private PendingCall pollWaiterFor(Worker w) {
        PendingCall c = Routing.pollWaiterFor(state.waiters, w);
        if (c != null && c.acquireTimer != null) {
            c.acquireTimer.cancel(false);
        }
        return c;
    }

    /** Lock held: fills the worker's free slots from the line; send the calls returned (outside the lock). */
    List<PendingCall> assignWaiters(Worker w) {
        List<PendingCall> out = new ArrayList<>();
        while (w.hasFreeSlot()) {
            PendingCall c = pollWaiterFor(w);
            if (c == null) {
                break;
            }
            take(w, c);
            out.add(c);
        }
        return out;
    }

    // ---------------------------------------------------------------- timeouts and cancels

    private void onAcquireTimeout(PendingCall call) {
        boolean removed;
        PoolStats stats;
        state.lock();
        try {
            removed = call.waiting && state.waiters.remove(call);
            call.waiting = false;
            stats = state.statsLocked();
        } finally {
            state.unlock();
        }
        if (removed) {
            completions.finish(call, null, new AcquireTimeoutException("no worker slot for " + call.function
                    + " within " + config.acquireTimeout(), stats), Outcome.REJECTED);
        }
    }

    private void onTimeout(PendingCall call) {
        Worker w = unlinkOrWorker(call);
        String where = w == null ? "while waiting for a worker slot" : "while running on worker " + w.id;
        if (completions.finish(call, null, new CallTimeoutException(call.function + " timed out after " + call.timeout
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
        boolean won = completions.finish(call, null, new CallCancelledException(call.function
                + " was cancelled by the caller"), Outcome.CANCELLED);
        if (won && w != null) {
            sendCancel(w, call);
        }
        return won;
    }

    /** Removes a waiting call from the queue, or returns the worker it was sent to. */
    private Worker unlinkOrWorker(PendingCall call) {
        state.lock();
        try {
            if (call.waiting) {
                state.waiters.remove(call);
                call.waiting = false;
                return null;
            }
            return call.worker;
        } finally {
            state.unlock();
        }
    }

    /** Tells the worker to stop a call that ended on this side; its answer then frees the slot. */
    void sendCancel(Worker w, PendingCall call) {
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

    // ---------------------------------------------------------------- waiting

    /** Waits for a call's outcome on the caller's thread; interruption cancels the call. */
    Object await(PendingCall call) {
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

    /** The caller-facing future: completed on the callback executor, cancellable through {@code path}. */
    CompletableFuture<Object> async(PendingCall call, CallPath path) {
        Worker w = call.worker;
        Connection conn = w == null ? null : w.connection;
        if (conn != null) {
            conn.wakeParkedReader(); // see send: the reader reads the reply
        }
        CallFuture f = new CallFuture(path, call);
        call.result.whenComplete((v, e) -> callbackExecutor.execute(() -> f.settle(v, e)));
        return f;
    }

    /** Fails calls taken out of the line (their session or the whole pool cannot serve them). */
    void reject(List<PendingCall> calls, java.util.function.Function<PendingCall, TaipanException> why) {
        for (PendingCall c : calls) {
            completions.finish(c, null, why.apply(c), Outcome.REJECTED);
        }
    }
}
