package dev.taipan.pool;

import dev.taipan.CallCancelledException;
import dev.taipan.CallTimeoutException;
import dev.taipan.ChunkConsumerException;
import dev.taipan.JavaCallback;
import dev.taipan.PoolConfig;
import dev.taipan.PoolListener.Outcome;
import dev.taipan.PythonException;
import dev.taipan.ServerSpan;
import dev.taipan.SerializationException;
import dev.taipan.TaipanException;
import dev.taipan.protocol.ErrorKinds;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.PartialMessage;
import dev.taipan.protocol.ProtocolException;
import dev.taipan.protocol.ProtocolVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Everything a worker sends: its {@code hello}, then answers, chunks, callbacks, session
 * state and heartbeats. Reading a worker's connection is a role ({@link Connection#tryLead}):
 * its reader thread holds it while replies are owed, unless a lone synchronous caller holds
 * it to read its own reply ({@link #readOwnReply}), which saves the hand-off between threads.
 * Either way every frame comes through {@link #onMessage}. What the frames mean for the
 * worker itself (ready, dead, overrunning) is reported up through {@link WorkerEvents}.
 */
final class WorkerReader {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerReader.class);
    /** How long the idle reader waits before looking at the socket anyway. */
    private static final long READER_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long a reader or a caller reading its own reply waits on the socket before looking around. */
    private static final long READ_SLICE_MILLIS = 1_000;

    private final PoolConfig config;
    private final Dispatcher dispatcher;
    private final Completions completions;
    private final WorkerEvents up;
    private final Redactor redactor;
    private final Executor callbackExecutor;
    private final PoolThreads threads;
    private final WorkerLogs logs;

    WorkerReader(PoolConfig config, Dispatcher dispatcher, Completions completions, WorkerEvents up,
                 Redactor redactor, Executor callbackExecutor, PoolThreads threads, WorkerLogs logs) {
        this.logs = logs;
        this.config = config;
        this.dispatcher = dispatcher;
        this.completions = completions;
        this.up = up;
        this.redactor = redactor;
        this.callbackExecutor = callbackExecutor;
        this.threads = threads;
    }

    /** Starts the worker's reader thread on its authenticated connection. */
    void start(Worker w, Connection conn) {
        threads.start(w.id + "-reader", () -> readLoop(w, conn));
    }

    private void readLoop(Worker w, Connection conn) {
        Throwable cause = null;
        boolean protocolError = false;
        try {
            Map<String, Object> hello = conn.read();
            // What the worker's modules log while they import comes before its hello.
            while (hello != null && !(hello instanceof PartialMessage) && Messages.LOG.equals(Messages.type(hello))) {
                logs.accept(w.id, hello);
                hello = conn.read();
            }
            if (hello == null) {
                throw new IOException("connection closed before hello");
            }
            if (!Messages.HELLO.equals(Messages.type(hello))) {
                throw new ProtocolException("expected 'hello', got '" + Messages.type(hello) + "'");
            }
            w.lastHeardNanos = System.nanoTime();
            up.workerReady(w, hello);
            while (!w.dead && readerTurn(w, conn)) {
                // until the end of the stream, an error, or the worker's death
            }
        } catch (ProtocolVersionException e) {
            cause = VersionCheck.protocolMismatch(w.id, e); // not a bug: versions to match
            protocolError = true;
        } catch (ProtocolException e) {
            cause = e;
            protocolError = true;
        } catch (IOException | RuntimeException e) {
            cause = e;
        }
        up.workerDied(w, cause, protocolError);
    }

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

    /**
     * A synchronous caller reads its worker's socket itself until its own call ends, if no other
     * thread is reading it (typically: the call is the worker's only one in flight). Frames
     * for other calls are handled as the reader thread would. This saves the hand-off from
     * the reader thread to the caller, which is most of the pool's own latency on a no-op call.
     * Otherwise the reader thread reads (it is woken if it waits).
     */
    void readOwnReply(PendingCall call) {
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
                    up.workerDied(w, null, false); // end of stream, as the reader thread would see it
                    break;
                }
                if (msg != Connection.NOTHING) {
                    w.lastHeardNanos = System.nanoTime();
                    onMessage(w, msg);
                }
            }
        } catch (ProtocolException e) {
            up.workerDied(w, e, true);
        } catch (IOException | RuntimeException e) {
            up.workerDied(w, e, false);
        } finally {
            call.readingOn = null;
            conn.unlead();
            if (readerHasWork(w, conn)) {
                conn.wakeParkedReader(); // other replies are owed: the reader takes over
            }
        }
    }

    // ---------------------------------------------------------------- frames

    private void onMessage(Worker w, Map<String, Object> msg) {
        if (msg instanceof PartialMessage) {
            onUndecodableValue(w, (PartialMessage) msg);
            return;
        }
        String type = Messages.type(msg);
        switch (type) {
            case Messages.RESULT:
                onResult(w, msg);
                break;
            case Messages.ERROR:
                onError(w, msg);
                break;
            case Messages.HEARTBEAT: {
                Object overrun = msg.get("overrun");
                if (overrun instanceof Long && (Long) overrun > 0) {
                    // Threads still running calls that already ended: capacity lost for good.
                    up.overran(w, (Long) overrun);
                }
                break;
            }
            case Messages.CHUNK:
                onChunk(w, msg);
                break;
            case Messages.CALLBACK:
                onCallback(w, msg);
                break;
            case Messages.LOG:
                logs.accept(w.id, msg);
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
                throw new ProtocolException("a worker may not send '" + type + "'");
        }
    }

    /**
     * The worker's spans with the pool's secret values replaced by {@code ***} in every string
     * (user code may have put one in an attribute): secrets never reach a span.
     */
    /** The answer's SERVER span record as a {@link ServerSpan} (its attributes redacted), or null: none or malformed. */
    @SuppressWarnings("unchecked")
    private ServerSpan serverSpan(PendingCall call, Map<String, Object> msg, String errorType, String statusMessage) {
        List<?> r = Messages.serverSpan(msg);
        if (r == null) {
            return null;
        }
        Map<String, Object> attributes = r.size() == 4
                ? (Map<String, Object>) redactValue(r.get(3)) : Map.of();
        return new ServerSpan(call.function, (Long) r.get(0), (Long) r.get(1), (Long) r.get(2), errorType,
                statusMessage, attributes);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> redactSpans(List<Map<String, Object>> spans) {
        if (spans.isEmpty()) {
            return spans;
        }
        List<Map<String, Object>> out = new java.util.ArrayList<>(spans.size());
        for (Map<String, Object> span : spans) {
            out.add((Map<String, Object>) redactValue(span));
        }
        return out;
    }

    private Object redactValue(Object v) {
        if (v instanceof String) {
            return redactor.redact((String) v);
        }
        if (v instanceof Map) {
            Map<Object, Object> copy = new java.util.LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                copy.put(redactValue(e.getKey()), redactValue(e.getValue()));
            }
            return copy;
        }
        if (v instanceof List) {
            List<Object> copy = new java.util.ArrayList<>(((List<?>) v).size());
            for (Object item : (List<?>) v) {
                copy.add(redactValue(item));
            }
            return copy;
        }
        return v;
    }

    private void onResult(Worker w, Map<String, Object> msg) {
        PendingCall call = w.pending.remove(Messages.integer(msg, "id"));
        if (call == null) {
            return;
        }
        if (call.trace != null) {
            call.workerSpans = redactSpans(Messages.spans(msg));
            call.serverSpan = serverSpan(call, msg, null, null);
        }
        // Free the slot first: a caller that sees its result also sees it counted out.
        dispatcher.release(w, call);
        TaipanException snapshotFailed = call.session == null ? null
                : call.session.snapshotFailure(call, msg.get("value"));
        if (snapshotFailed != null) {
            completions.finishInOrder(call, null, snapshotFailed, Outcome.PYTHON_ERROR);
        } else {
            completions.finishInOrder(call, msg.get("value"), null, Outcome.SUCCESS);
        }
    }

    private void onError(Worker w, Map<String, Object> msg) {
        Object id = msg.get("id");
        if (id == null) {
            LOG.warn("pool {} worker {} reported: {} {}", config.name(), w.id, msg.get("kind"), msg.get("message"));
            return;
        }
        PendingCall call = w.pending.remove(Messages.integer(msg, "id"));
        if (call == null) {
            return;
        }
        if (call.session != null) {
            call.session.forgetFailure(call.id); // the call's own error says more
        }
        String kind = String.valueOf(msg.get("kind"));
        if (ErrorKinds.DRAINING.equals(kind)) {
            // The call never ran: the worker was told to stop from outside the pool.
            // Stop routing to it and give the call to another worker.
            dispatcher.drain(w);
            dispatcher.release(w, call);
            dispatcher.requeue(call);
            return;
        }
        if (call.trace != null) {
            call.workerSpans = redactSpans(Messages.spans(msg));
            String errorType = String.valueOf(msg.get("error_type"));
            call.serverSpan = errorType.isEmpty() || "null".equals(errorType)
                    ? serverSpan(call, msg, kind, kind)
                    : serverSpan(call, msg, errorType, kind + ": " + errorType);
        }
        TaipanException ex = RemoteErrors.toException(call, msg, config.maxFrameBytes(), redactor);
        dispatcher.release(w, call);
        completions.finishInOrder(call, null, ex, ex instanceof PythonException ? Outcome.PYTHON_ERROR
                : ex instanceof CallTimeoutException ? Outcome.TIMEOUT
                : ex instanceof CallCancelledException ? Outcome.CANCELLED : Outcome.PYTHON_ERROR);
    }

    private void onChunk(Worker w, Map<String, Object> msg) throws ProtocolException {
        PendingCall call = w.pending.get(Messages.integer(msg, "id"));
        if (call == null || call.deliveries == null || call.isEnded()) {
            return;
        }
        long seq = Messages.integer(msg, "seq");
        ChunkFlow flow = call.flow;
        if (flow != null && flow.worker == w && !flow.receive(seq)) {
            throw new ProtocolException("chunk " + seq + " of call " + call.id + " is beyond its window of "
                    + flow.window + " chunks");
        }
        Object data = msg.get("data");
        call.deliveries.execute(() -> deliverChunk(call, flow, seq, data));
    }

    /**
     * A frame of a call carries a value outside the value domain (docs/PROTOCOL.md, "Values"):
     * that call alone fails with a SerializationException; the connection and the worker are fine.
     */
    private void onUndecodableValue(Worker w, PartialMessage msg) {
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
            dispatcher.release(w, call);
            completions.finish(call, null, ex, Outcome.PYTHON_ERROR);
        } else if (completions.finish(call, null, ex, Outcome.PYTHON_ERROR)) {
            dispatcher.sendCancel(w, call); // still running in Python: stop it; its answer frees the slot
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
            if (completions.finish(call, null, new ChunkConsumerException("the chunk consumer of " + call.function
                    + " threw on chunk " + seq + ": " + t, t), Outcome.CONSUMER_FAILED) && w != null) {
                dispatcher.sendCancel(w, call);
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
        JavaCallback fn = call.callbacks.get(name);
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
                // A callback may return a record or a POJO, as a call's arguments may hold one.
                frame = FrameCodec.encode(Messages.callbackResult(id, callbackId, value, error), config.maxFrameBytes(),
                        JavaValues::convertUnknown);
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
}
