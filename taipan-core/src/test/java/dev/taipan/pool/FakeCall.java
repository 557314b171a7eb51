package dev.taipan.pool;

import dev.taipan.protocol.Messages;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code call} frame as a fake worker received it, and the handle a test holds on it:
 * its arguments, the worker running it, and the levers a Python function has (stream a
 * chunk, call Java back, touch the session's state). A call ends once: with the function's
 * answer, or when the host cancels it (the worker then answers {@code cancelled} at once and
 * discards whatever the function returns later, as the real worker does for a plain function).
 */
final class FakeCall {
    final long id;
    final String function;
    final Object args;
    final String session;
    final Long timeoutMs;
    /** The call's {@code chunk_window}, or null: no back-pressure asked for. */
    final Long chunkWindow;
    private final FakeWorker worker;
    private final CompletableFuture<Object> released = new CompletableFuture<>();
    private final CompletableFuture<Void> cancelled = new CompletableFuture<>();
    /** Completes when the call ends any way, or the worker goes. */
    private final CompletableFuture<Void> over = new CompletableFuture<>();
    private final Map<Long, CompletableFuture<Map<String, Object>>> callbacks = new ConcurrentHashMap<>();
    private final AtomicLong callbackIds = new AtomicLong();
    // Guarded by this.
    private long nextChunk;
    private long acked = -1;

    FakeCall(FakeWorker worker, Map<String, Object> msg) {
        this.worker = worker;
        this.id = Messages.integer(msg, "id");
        this.function = Messages.string(msg, "function");
        this.args = msg.get("args");
        this.session = Messages.optionalString(msg, "session");
        this.timeoutMs = (Long) msg.get("timeout_ms");
        this.chunkWindow = (Long) msg.get("chunk_window");
    }

    FakeWorker worker() {
        return worker;
    }

    /** Positional argument {@code i}. */
    Object arg(int i) {
        return ((List<?>) args).get(i);
    }

    /** The session's state on this worker (the {@code session} dict a Python function gets). */
    Map<String, Object> state() {
        if (session == null) {
            throw new IllegalStateException("call " + id + " of " + function + " has no session");
        }
        return worker.sessionState(session);
    }

    // ------------------------------------------------------------------ the test's levers

    /** Lets a {@link #hold held} call return {@code value}. */
    void release(Object value) {
        released.complete(value);
    }

    void release() {
        release(null);
    }

    /** Completes once a {@code cancel} frame for this call reached the worker. */
    CompletableFuture<Void> cancelled() {
        return cancelled;
    }

    boolean isCancelled() {
        return cancelled.isDone();
    }

    // ------------------------------------------------------------------ what a function may do

    /** Waits until released (returns the value) or cancelled (throws {@link Stopped}). */
    Object hold() throws InterruptedException {
        try {
            CompletableFuture.anyOf(released, over).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        if (!released.isDone()) {
            throw new Stopped();
        }
        return released.getNow(null);
    }

    /**
     * Streams one chunk. With a {@code chunk_window}, waits (like the real worker's generator)
     * while that many chunks are unacknowledged.
     */
    synchronized void chunk(Object data) throws InterruptedException {
        while (chunkWindow != null && nextChunk - (acked + 1) >= chunkWindow && !over.isDone()) {
            wait();
        }
        if (over.isDone()) {
            throw new Stopped();
        }
        worker.send(Messages.chunk(id, nextChunk++, data));
    }

    /** Calls a Java function the caller registered for this call, and waits for its answer. */
    Object callJava(String name, Object argument) throws Exception {
        long cb = callbackIds.incrementAndGet();
        CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
        callbacks.put(cb, answer);
        worker.send(Messages.callback(id, cb, name, argument));
        CompletableFuture.anyOf(answer, over).get();
        if (!answer.isDone()) {
            throw new Stopped();
        }
        Map<String, Object> reply = answer.get();
        Object error = reply.get("error");
        if (error != null) {
            throw new FakeFunction.PythonError("taipan_worker.CallbackError", String.valueOf(error));
        }
        return reply.get("value");
    }

    // ------------------------------------------------------------------ the worker's side

    synchronized void acked(long seq) {
        acked = Math.max(acked, seq);
        notifyAll();
    }

    void answered(Map<String, Object> callbackResult) {
        CompletableFuture<Map<String, Object>> f = callbacks.remove(Messages.integer(callbackResult, "callback_id"));
        if (f != null) {
            f.complete(callbackResult);
        }
    }

    void cancelledByHost() {
        cancelled.complete(null);
        ended();
    }

    /** The call is over (answered, cancelled, or its worker gone): a blocked function lets go. */
    void ended() {
        over.complete(null);
        synchronized (this) {
            notifyAll();
        }
    }

    /** Thrown by a function whose call ended without it: the worker sends nothing more for it. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("the call ended without this function's answer", null, false, false);
        }
    }

    @Override
    public String toString() {
        return "FakeCall{" + id + " " + function + " on " + worker.id + "}";
    }
}
