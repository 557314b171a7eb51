package dev.taipan.pool;

import dev.taipan.JavaCallback;
import dev.taipan.protocol.CallFrame;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One call from submission to its end. {@link #result} completes exactly once, with the
 * first of: the worker's reply, the timeout, a cancellation, the worker's death. The
 * worker slot is held separately, until the worker itself says the call is over, because
 * that is when Python's capacity is really free.
 */
final class PendingCall {
    final long id;
    final String function;
    /** The call encoded once; each send writes the time left into it (see {@link #frameToSend}). */
    private final CallFrame callFrame;
    final SessionImpl session;
    final Duration timeout;
    final long startNanos = System.nanoTime();
    /**
     * The call's one deadline, on the nanoTime clock: every attempt's {@code timeout_ms} is
     * the time left until it, so a call re-sent after waiting or after losing its worker never
     * gets its whole timeout again. The timeout timer, scheduled after this was read, fires no
     * earlier.
     */
    final long deadlineNanos;
    /** The thread that submitted the call; for a synchronous call, the one that waits for it. */
    final Thread submitter = Thread.currentThread();
    /** True while {@code submit} routes the call (written by the submitter only). */
    boolean submitting;
    /** The connection the waiting caller reads its own reply from, or null. */
    volatile Connection readingOn;
    final CompletableFuture<Object> result = new CompletableFuture<>();
    /** Chunk consumer and Python-callable Java functions, from the call's options. */
    final Consumer<Object> onChunk;
    final Map<String, JavaCallback> callbacks;
    /** Orders chunk deliveries and the final completion; null for calls that do not stream. */
    final SerialExecutor deliveries;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Whether the caller said the call may run twice. */
    final boolean idempotent;
    /** How many more times an idempotent call may be re-run after losing its worker. */
    int retriesLeft = 2;
    /**
     * The crash barrier: workers that crashed while running this call (see
     * {@link RemoteErrors#crashed}; written under the pool's lock). Once it reaches
     * {@link #CRASH_BARRIER} the call is not retried again, so a call that crashes every worker
     * it runs on ("poison") takes at most that many with it.
     */
    final java.util.List<String> crashedWorkers = new java.util.ArrayList<>(2);
    static final int CRASH_BARRIER = 2;
    /** The call's trace (from the pool's CallTracer), or null: untraced. Set once, before routing. */
    dev.taipan.TracedCall trace;
    /** The spans the worker handed back with its answer; set by the reader just before finishing. */
    volatile java.util.List<java.util.Map<String, Object>> workerSpans;
    /** The worker's SERVER span of the answer, or null; set by the reader just before finishing. */
    volatile dev.taipan.ServerSpan serverSpan;
    /** The credit window of the current attempt; null for calls without a chunk consumer. */
    volatile ChunkFlow flow;

    // Written under the pool's lock; worker is also read without it (readOwnReply).
    volatile Worker worker;
    boolean waiting;
    ScheduledFuture<?> acquireTimer;

    volatile ScheduledFuture<?> timeoutTimer;
    /** When the call first took a worker slot (System.nanoTime), 0 until then: its slot wait ends there. */
    volatile long firstSentNanos;

    PendingCall(long id, String function, CallFrame frame, SessionImpl session, Duration timeout) {
        this(id, function, frame, session, timeout, null, Map.of(), null, false);
    }

    PendingCall(long id, String function, CallFrame frame, SessionImpl session, Duration timeout,
                Consumer<Object> onChunk, Map<String, JavaCallback> callbacks, Executor callbackExecutor,
                boolean idempotent) {
        this.id = id;
        this.function = function;
        this.callFrame = frame;
        this.session = session;
        this.timeout = timeout;
        this.deadlineNanos = startNanos + timeout.toNanos();
        this.onChunk = onChunk;
        this.callbacks = callbacks;
        this.deliveries = onChunk == null ? null : new SerialExecutor(callbackExecutor);
        this.idempotent = idempotent;
    }

    /** Claims the right to end the call; true for exactly one caller. */
    boolean end() {
        return ended.compareAndSet(false, true);
    }

    boolean isEnded() {
        return ended.get();
    }

    /**
     * The frame for this attempt, its {@code timeout_ms} the time left of the call's deadline:
     * rounded up to the millisecond, and at least 1 (a call whose time is up is ended by its
     * own timer, not by the worker; 0 would make the worker refuse it at once).
     */
    byte[] frameToSend() {
        return callFrame.bytesWithTimeout(millisLeft(deadlineNanos - System.nanoTime()));
    }

    /** {@code nanosLeft} in whole milliseconds, rounded up, at least 1. */
    static long millisLeft(long nanosLeft) {
        if (nanosLeft <= 1_000_000) {
            return 1;
        }
        return (nanosLeft + 999_999) / 1_000_000;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    void cancelTimers() {
        ScheduledFuture<?> t = timeoutTimer;
        if (t != null) {
            t.cancel(false);
        }
        ScheduledFuture<?> a = acquireTimer;
        if (a != null) {
            a.cancel(false);
        }
    }
}
