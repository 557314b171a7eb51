package dev.taipan.pool;

import dev.taipan.PoolListener.Outcome;
import dev.taipan.TaipanException;

import java.util.List;
import java.util.Map;

/**
 * Ends calls, each exactly once: counts it, tells the listener, completes its future. Every
 * way a call can end (its answer, an error, the timeout, a cancel, a lost worker, a closing
 * pool) goes through {@link #finish}, so the stats always agree with what callers saw.
 */
final class Completions {
    private final PoolState state;
    private final Events events;

    Completions(PoolState state, Events events) {
        this.state = state;
        this.events = events;
    }

    /** Completes a call once; returns whether this completion won. */
    boolean finish(PendingCall call, Object value, TaipanException error, Outcome outcome) {
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
        state.countEnd(error, outcome);
        Worker w = call.worker;
        events.callCompleted(call, w, outcome, state.isRegistered(call.function));
        if (call.trace != null) {
            // Before the caller sees the outcome, so its span has ended when the caller goes on.
            List<Map<String, Object>> spans = call.workerSpans;
            Tracing.end(call.trace, error, call.serverSpan, spans == null ? List.of() : spans);
        }
        // At once, even for a stream: its worker's own answer was queued behind its chunks
        // (finishInOrder); any other end (timeout, cancel) must not wait for a slow consumer.
        if (error == null) {
            call.result.complete(value);
        } else {
            call.result.completeExceptionally(error);
        }
        return true;
    }

    /**
     * Ends a call with its worker's own answer. A stream's answer waits for the chunks already
     * received (ordered delivery), but only as long as the call's timeout: the timeout, a
     * cancel or a failing consumer end the call at once, and undelivered chunks are dropped.
     */
    void finishInOrder(PendingCall call, Object value, TaipanException error, Outcome outcome) {
        if (call.deliveries != null) {
            call.deliveries.execute(() -> finish(call, value, error, outcome));
        } else {
            finish(call, value, error, outcome);
        }
    }
}
