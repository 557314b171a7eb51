package dev.taipan.protocol;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Message types, their builders, and typed access to their fields. Builders put keys in the
 * order docs/PROTOCOL.md lists them, so the bytes match the golden vectors.
 */
public final class Messages {
    public static final int VERSION = 1;

    public static final String AUTH = "auth";
    public static final String HELLO = "hello";
    public static final String CALL = "call";
    public static final String RESULT = "result";
    public static final String ERROR = "error";
    public static final String CANCEL = "cancel";
    public static final String HEARTBEAT = "heartbeat";
    public static final String SESSION_CLOSE = "session_close";
    public static final String SESSION_OPEN = "session_open";
    public static final String SESSION_RESTORE = "session_restore";
    public static final String SESSION_STATE = "session_state";
    public static final String CHUNK = "chunk";
    public static final String CHUNK_ACK = "chunk_ack";
    public static final String CALLBACK = "callback";
    public static final String CALLBACK_RESULT = "callback_result";
    /** A Python logging record of the worker (not a call's message: its call is {@code call_id}). */
    public static final String LOG = "log";

    /** A call's W3C trace context (optional keys; docs/PROTOCOL.md, "Trace context"). */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** A result's or error's finished worker spans (optional key). */
    public static final String SPANS = "spans";
    /** A result's or error's SERVER span record, {@code [id, start_ns, end_ns, attributes?]} (optional key). */
    public static final String SERVER_SPAN = "server_span";

    private static final Set<String> KNOWN_TYPES = Set.of(AUTH, HELLO, CALL, RESULT, ERROR, CANCEL, HEARTBEAT,
            SESSION_CLOSE, CHUNK, CHUNK_ACK, CALLBACK, CALLBACK_RESULT, SESSION_OPEN, SESSION_RESTORE, SESSION_STATE,
            LOG);

    /** Types whose messages carry a call's {@code id}. */
    private static final Set<String> CALL_TYPES = Set.of(CALL, RESULT, ERROR, CANCEL, CHUNK, CHUNK_ACK,
            CALLBACK, CALLBACK_RESULT);

    private Messages() {
    }

    /** Whether messages of this type belong to a call (and so carry its id). */
    public static boolean belongsToCall(String type) {
        return CALL_TYPES.contains(type);
    }

    static void validateEnvelope(Map<String, Object> m) {
        Object v = m.get("v");
        if (!(v instanceof Long)) {
            throw new ProtocolException("message has no integer protocol version 'v'");
        }
        if ((Long) v != VERSION) {
            throw new ProtocolVersionException((Long) v, m);
        }
        Object type = m.get("type");
        if (!(type instanceof String)) {
            throw new ProtocolException("message has no string 'type'");
        }
        if (!KNOWN_TYPES.contains(type)) {
            throw new ProtocolException("unknown message type '" + type + "'");
        }
    }

    private static Map<String, Object> envelope(String type, Long id) {
        Map<String, Object> m = new LinkedHashMap<>(16);
        m.put("v", VERSION);
        m.put("type", type);
        if (id != null) {
            m.put("id", id);
        }
        return m;
    }

    /**
     * A call; {@code timeout_ms} is its last field, so that {@link CallFrame} can rewrite it
     * with the time left at each send.
     */
    public static Map<String, Object> call(long id, String function, Object args, String session, Long timeoutMs) {
        Map<String, Object> m = callWithoutTimeout(id, function, args, session);
        m.put(CallFrame.TIMEOUT_KEY, timeoutMs);
        return m;
    }

    /**
     * A call whose chunks the host acknowledges: the worker runs at most {@code window}
     * chunks, and about {@code windowBytes} bytes, ahead of the last {@code chunk_ack}.
     * {@code timeout_ms} is last here too.
     */
    public static Map<String, Object> call(long id, String function, Object args, String session, Long timeoutMs,
                                           int window, int windowBytes) {
        Map<String, Object> m = callWithoutTimeout(id, function, args, session);
        m.put("chunk_window", window);
        m.put("chunk_window_bytes", windowBytes);
        m.put(CallFrame.TIMEOUT_KEY, timeoutMs);
        return m;
    }

    /**
     * Adds W3C trace context to a call built by {@link #call}: {@code traceparent}, then
     * {@code tracestate} if there is one, just before {@code timeout_ms}, which stays last. Only
     * traced calls pay for it; a worker that does not know the keys ignores them.
     */
    public static Map<String, Object> withTraceContext(Map<String, Object> call, String traceparent,
                                                       String tracestate) {
        Object timeout = call.remove(CallFrame.TIMEOUT_KEY);
        call.put(TRACEPARENT, traceparent);
        if (tracestate != null && !tracestate.isEmpty()) {
            call.put(TRACESTATE, tracestate);
        }
        call.put(CallFrame.TIMEOUT_KEY, timeout);
        return call;
    }

    /**
     * The SERVER span record of a {@code result} or {@code error} frame (its optional {@code
     * server_span} key): {@code [id, start_ns, end_ns]} or with a fourth element, a map of
     * attributes; null when absent or not of that shape (a positive id, start not after end).
     */
    public static List<?> serverSpan(Map<String, Object> m) {
        Object v = m.get(SERVER_SPAN);
        if (!(v instanceof List)) {
            return null;
        }
        List<?> r = (List<?>) v;
        int n = r.size();
        if ((n != 3 && n != 4) || !(r.get(0) instanceof Long) || !(r.get(1) instanceof Long)
                || !(r.get(2) instanceof Long) || (n == 4 && !(r.get(3) instanceof Map))) {
            return null;
        }
        if ((Long) r.get(0) <= 0 || (Long) r.get(2) < (Long) r.get(1)) {
            return null;
        }
        return r;
    }

    /**
     * The spans a worker handed back in a {@code result} or {@code error} frame (its optional
     * {@code spans} key): each a map as docs/PROTOCOL.md describes; empty when absent or not a list.
     */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> spans(Map<String, Object> m) {
        Object v = m.get(SPANS);
        if (!(v instanceof List)) {
            return List.of();
        }
        List<Map<String, Object>> out = new java.util.ArrayList<>(((List<Object>) v).size());
        for (Object span : (List<Object>) v) {
            if (span instanceof Map) {
                out.add((Map<String, Object>) span);
            }
        }
        return out;
    }

    private static Map<String, Object> callWithoutTimeout(long id, String function, Object args, String session) {
        Map<String, Object> m = envelope(CALL, id);
        m.put("function", function);
        m.put("args", args);
        m.put("session", session);
        return m;
    }

    /** The host consumed every chunk of call {@code id} up to and including {@code seq}. */
    public static Map<String, Object> chunkAck(long id, long seq) {
        Map<String, Object> m = envelope(CHUNK_ACK, id);
        m.put("seq", seq);
        return m;
    }

    public static Map<String, Object> cancel(long id) {
        return envelope(CANCEL, id);
    }

    public static Map<String, Object> heartbeat(long seq) {
        Map<String, Object> m = envelope(HEARTBEAT, null);
        m.put("seq", seq);
        return m;
    }

    public static Map<String, Object> sessionClose(String session) {
        Map<String, Object> m = envelope(SESSION_CLOSE, null);
        m.put("session", session);
        return m;
    }

    /** A new session with snapshots; {@code snapshots} is {@code after_each_call} or {@code on_request}. */
    public static Map<String, Object> sessionOpen(String session, String snapshots) {
        Map<String, Object> m = envelope(SESSION_OPEN, null);
        m.put("session", session);
        m.put("snapshots", snapshots);
        return m;
    }

    /** A session moved to this worker: its state is {@code state}, the snapshot numbered {@code seq}. */
    public static Map<String, Object> sessionRestore(String session, long seq, Map<String, Object> state,
                                                     String snapshots) {
        Map<String, Object> m = envelope(SESSION_RESTORE, null);
        m.put("session", session);
        m.put("seq", seq);
        m.put("state", state);
        m.put("snapshots", snapshots);
        return m;
    }

    public static Map<String, Object> chunk(long id, long seq, Object data) {
        Map<String, Object> m = envelope(CHUNK, id);
        m.put("seq", seq);
        m.put("data", data);
        return m;
    }

    public static Map<String, Object> callback(long id, long callbackId, String name, Object args) {
        Map<String, Object> m = envelope(CALLBACK, id);
        m.put("callback_id", callbackId);
        m.put("name", name);
        m.put("args", args);
        return m;
    }

    public static Map<String, Object> callbackResult(long id, long callbackId, Object value, String error) {
        Map<String, Object> m = envelope(CALLBACK_RESULT, id);
        m.put("callback_id", callbackId);
        m.put("value", value);
        m.put("error", error);
        return m;
    }

    public static Map<String, Object> auth(String workerId, String token) {
        Map<String, Object> m = envelope(AUTH, null);
        m.put("worker_id", workerId);
        m.put("token", token);
        return m;
    }

    public static Map<String, Object> result(long id, Object value) {
        Map<String, Object> m = envelope(RESULT, id);
        m.put("value", value);
        return m;
    }

    public static Map<String, Object> error(Long id, String kind, String errorType, String message,
                                            String traceback, boolean retryable) {
        Map<String, Object> m = envelope(ERROR, id);
        m.put("kind", kind);
        m.put("error_type", errorType);
        m.put("message", message);
        m.put("traceback", traceback);
        m.put("retryable", retryable);
        return m;
    }

    /** A worker's logging record; {@code callId} and the other nullable fields may be null. */
    public static Map<String, Object> log(long level, String logger, String message, String exception,
                                          String thread, Long callId, String traceId) {
        Map<String, Object> m = envelope(LOG, null);
        m.put("level", level);
        m.put("logger", logger);
        m.put("message", message);
        m.put("exception", exception);
        m.put("thread", thread);
        m.put("call_id", callId);
        m.put("trace_id", traceId);
        return m;
    }

    public static String type(Map<String, Object> m) {
        return (String) m.get("type");
    }

    public static String string(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw new ProtocolException("'" + type(m) + "' message needs a string '" + key + "'");
        }
        return (String) v;
    }

    public static String optionalString(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v != null && !(v instanceof String)) {
            throw new ProtocolException("'" + type(m) + "' message has a non-string '" + key + "'");
        }
        return (String) v;
    }

    public static long integer(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Long)) {
            throw new ProtocolException("'" + type(m) + "' message needs an integer '" + key + "'");
        }
        return (Long) v;
    }

    public static boolean bool(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Boolean && (Boolean) v;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List)) {
            throw new ProtocolException("'" + type(m) + "' message has a non-array '" + key + "'");
        }
        return (List<Object>) v;
    }
}
