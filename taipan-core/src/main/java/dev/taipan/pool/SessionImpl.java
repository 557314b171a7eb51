package dev.taipan.pool;

import dev.taipan.CallOptions;
import dev.taipan.Session;
import dev.taipan.SessionLostException;
import dev.taipan.SessionOptions;
import dev.taipan.SessionRestoredException;
import dev.taipan.SessionSnapshot;
import dev.taipan.SnapshotFailedException;
import dev.taipan.SnapshotPolicy;
import dev.taipan.TaipanException;
import dev.taipan.WorkerLostException;
import dev.taipan.protocol.ProtocolException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session: a name for state kept in one worker, and calls routed only to it. With
 * snapshots it also keeps the last snapshot of that state, which lets the engine move it to
 * another worker when its own dies.
 */
final class SessionImpl implements Session {
    enum State { OPEN, CLOSED, EVICTED, LOST }

    /** The worker's built-in, session-aware function that takes a snapshot. */
    static final String SNAPSHOT_FUNCTION = "session_snapshot";

    final String id;
    final SessionOptions options;
    private final CallPath calls;

    /** The worker holding the state; while the session moves, the dead one it left. */
    volatile Worker worker;

    /** Written under the pool's lock; volatile so that {@link #isOpen} needs no lock. */
    volatile State state = State.OPEN;

    // Guarded by the pool's lock.
    int inFlight;
    long lastUsedNanos = System.nanoTime();
    Throwable lostCause;
    /** Why the session was lost, for the calls that come after. */
    String lostMessage;
    /** Its worker died; it waits for a ready worker to be restored on (its calls wait meanwhile). */
    boolean moving;
    /** The worker a restore frame is being written to, or null. */
    Worker moveTarget;
    /** The worker it is moving away from, and the snapshot it moves with. */
    Worker movedFrom;
    SessionSnapshot moveSnapshot;
    /** The encoded {@code session_restore}, made when the worker died. */
    byte[] restoreFrame;

    private volatile SessionSnapshot last;
    private volatile SessionSnapshot lastRestored;
    private volatile int restores;
    /** Snapshot failures the worker reported for calls whose result has not arrived yet, by call id. */
    private final Map<Long, Failure> failures = new ConcurrentHashMap<>();

    private record Failure(String error, String path, long keptSeq) {
    }

    SessionImpl(String id, Worker worker, CallPath calls) {
        this(id, worker, calls, SessionOptions.DEFAULT);
    }

    SessionImpl(String id, Worker worker, CallPath calls, SessionOptions options) {
        this.id = id;
        this.worker = worker;
        this.calls = calls;
        this.options = options;
    }

    boolean snapshots() {
        return options.snapshots() != SnapshotPolicy.NONE;
    }

    /** The wire name of the policy, for {@code session_open} and {@code session_restore}. */
    String wireMode() {
        return options.snapshots() == SnapshotPolicy.AFTER_EACH_CALL ? "after_each_call" : "on_request";
    }

    /**
     * A {@code session_state} frame arrived from {@code from} for call {@code callId}: keep the
     * snapshot (if it is newer and from the session's current worker) or remember the failure
     * for the call's result, which comes next.
     */
    void onState(Worker from, long callId, Map<String, Object> msg) {
        if (!snapshots()) {
            return; // asked for by hand on a session without snapshots: nothing to keep
        }
        Object seqValue = msg.get("seq");
        if (!(seqValue instanceof Long)) {
            throw new ProtocolException("'session_state' message needs an integer 'seq'");
        }
        long seq = (Long) seqValue;
        Object error = msg.get("error");
        if (error != null) {
            Object path = msg.get("path");
            failures.put(callId, new Failure(String.valueOf(error), path == null ? null : String.valueOf(path), seq));
            return;
        }
        Object state = msg.get("state");
        if (!(state instanceof Map)) {
            throw new ProtocolException("'session_state' message without an error needs a map 'state'");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> frozen = (Map<String, Object>) frozen(state);
        synchronized (this) {
            SessionSnapshot current = last;
            // Not from a worker already declared dead: the session may be moving with an older snapshot.
            if (worker == from && !from.dead && (current == null || seq > current.seq())) {
                last = new SessionSnapshot(seq, frozen, from.id, Instant.now());
            }
        }
    }

    /** The typed failure for a call whose snapshot failed, or null; forgets it either way. */
    /**
     * Call with the pool's lock held: what a call of this session ({@code function}) learns when
     * its worker died under it — restored (the session moves with its snapshot, the call was not
     * retried) or lost. Here, not in {@link Sessions}, so the dispatcher can ask too.
     */
    TaipanException callLost(String function, WorkerLostException lost) {
        if (state != State.LOST && moveSnapshot != null && movedFrom != null
                && movedFrom.id.equals(lost.workerId())) {
            return new SessionRestoredException("the worker " + lost.workerId() + " of session " + id
                    + " died during " + function + "; the session moves to another worker with its snapshot "
                    + moveSnapshot.seq() + ", so its state is back to that snapshot; the call was not retried",
                    id, moveSnapshot.seq(), lost);
        }
        return new SessionLostException(lostMessage != null ? lostMessage : "session " + id
                + " was lost: its worker " + lost.workerId() + " died", lost);
    }

    TaipanException snapshotFailure(PendingCall call, Object result) {
        Failure f = failures.remove(call.id);
        if (f == null) {
            return null;
        }
        boolean onRequest = SNAPSHOT_FUNCTION.equals(call.function);
        String kept = f.keptSeq() > 0 ? "the session keeps snapshot " + f.keptSeq() + ", and a restore would go back to it"
                : "the session has no snapshot yet, so it would be lost with its worker";
        String message = (onRequest ? "snapshot of session " + id + " failed: "
                : "session " + id + " could not be snapshotted after " + call.function + " (the call itself succeeded; "
                + "its value is result()): ") + f.error() + "; " + kept;
        return new SnapshotFailedException(message, id, f.path(), f.keptSeq(), onRequest ? null : result);
    }

    void forgetFailure(long callId) {
        failures.remove(callId);
    }

    void forgetFailures() {
        failures.clear();
    }

    SessionSnapshot last() {
        return last;
    }

    /** Called by Sessions, under the pool lock, once the restore was written to the new worker. */
    void restored(Worker to, SessionSnapshot from) {
        worker = to;
        lastRestored = from;
        restores++;
    }

    /** Deep, unmodifiable copy of a decoded value: the snapshot the pool keeps cannot be changed. */
    private static Object frozen(Object value) {
        if (value instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw new ProtocolException("'session_state' has a non-string map key: " + e.getKey());
                }
                m.put((String) e.getKey(), frozen(e.getValue()));
            }
            return Collections.unmodifiableMap(m);
        }
        if (value instanceof List) {
            List<Object> l = new ArrayList<>(((List<?>) value).size());
            for (Object o : (List<?>) value) {
                l.add(frozen(o));
            }
            return Collections.unmodifiableList(l);
        }
        return value;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String workerId() {
        return worker.id;
    }

    @Override
    public boolean isOpen() {
        return state == State.OPEN;
    }

    @Override
    public SessionOptions options() {
        return options;
    }

    @Override
    public SessionSnapshot snapshot() {
        if (!snapshots()) {
            throw new IllegalStateException("session " + id + " was opened without snapshots; open it with "
                    + "SessionOptions.builder().snapshots(SnapshotPolicy.ON_REQUEST) to take them");
        }
        // The worker sends the snapshot just before this call's result, so it is kept by now.
        calls.await(calls.submit(SNAPSHOT_FUNCTION, null, null, this));
        SessionSnapshot s = last;
        if (s == null) {
            throw new TaipanException("session " + id + ": the worker answered without a snapshot");
        }
        return s;
    }

    @Override
    public Optional<SessionSnapshot> lastSnapshot() {
        return Optional.ofNullable(last);
    }

    @Override
    public int restores() {
        return restores;
    }

    @Override
    public Optional<SessionSnapshot> lastRestored() {
        return Optional.ofNullable(lastRestored);
    }

    @Override
    public Object call(String function, Object args, CallOptions options) {
        return calls.await(calls.submit(function, args, options, this));
    }

    @Override
    public CompletableFuture<Object> callAsync(String function, Object args, CallOptions options) {
        return calls.async(calls.submit(function, args, options, this));
    }

    @Override
    public void close() {
        calls.closeSession(this, State.CLOSED);
    }

    @Override
    public String toString() {
        return "Session{" + id + " on " + worker.id + ", snapshots=" + options.snapshots() + "}";
    }
}
