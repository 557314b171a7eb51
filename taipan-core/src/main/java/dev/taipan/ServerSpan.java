package dev.taipan;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A traced call's SERVER span in the worker, as its answer handed it back (docs/PROTOCOL.md,
 * "Trace context"): the worker sends only its id, times and the attributes set on it, because
 * the rest is known here — its name is {@code taipan.call <function>}, its kind SERVER, its
 * trace and parent are the call's {@code traceparent}, and its status is the call's outcome.
 *
 * @param function        the called function
 * @param spanId          the worker's id of the span, positive; its child spans' {@code
 *                        parent_span_id} is {@link #spanIdHex()}
 * @param startEpochNanos when the worker started it, Unix epoch nanoseconds
 * @param endEpochNanos   when it ended, Unix epoch nanoseconds, not before the start
 * @param errorType       null if the worker answered with a result; else the {@code
 *                        error.type}: the Python exception's type, or the error's kind
 * @param statusMessage   null with a result; else the error status message, {@code <kind>:
 *                        <error_type>} (just the kind when there is no type)
 * @param attributes      attributes user code set on the span (str keys; values of the
 *                        {@code spans} format), often empty; never null
 */
public record ServerSpan(String function, long spanId, long startEpochNanos, long endEpochNanos,
                         String errorType, String statusMessage, Map<String, Object> attributes) {
    /**
     * Checks the span.
     *
     * @param function        the called function
     * @param spanId          the worker's id of the span, positive
     * @param startEpochNanos when the worker started it, Unix epoch nanoseconds
     * @param endEpochNanos   when it ended, not before the start
     * @param errorType       null with a result; else the {@code error.type}
     * @param statusMessage   null with a result; else the error status message
     * @param attributes      attributes user code set on the span; never null
     * @throws NullPointerException     if {@code function} or {@code attributes} is null
     * @throws IllegalArgumentException if {@code spanId} is not positive or the end is before the start
     */
    public ServerSpan {
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(attributes, "attributes");
        if (spanId <= 0) {
            throw new IllegalArgumentException("span id must be positive: " + spanId);
        }
        if (endEpochNanos < startEpochNanos) {
            throw new IllegalArgumentException("span ends (" + endEpochNanos + ") before it starts ("
                    + startEpochNanos + ")");
        }
    }

    /** {@return the span id as W3C writes it: 16 lowercase hex digits} */
    public String spanIdHex() {
        String hex = Long.toHexString(spanId);
        return hex.length() == 16 ? hex : "0".repeat(16 - hex.length()) + hex;
    }

    /** {@return whether the worker answered the call with an error} */
    public boolean failed() {
        return errorType != null;
    }

    /**
     * This span in the format of a {@code spans} entry, as a worker used to send it, for a
     * tracer that takes only those ({@link TracedCall#end(TaipanException, List)}).
     *
     * @param traceparent the call's {@code traceparent} (its trace id and the parent span id)
     * @return a new mutable map with the keys docs/PROTOCOL.md lists for {@code spans}
     */
    public Map<String, Object> toSpanMap(String traceparent) {
        Map<String, Object> attrs = new HashMap<>(attributes);
        attrs.put("rpc.system", "taipan");
        attrs.put("rpc.method", function);
        if (errorType != null) {
            attrs.put("error.type", errorType);
        }
        Map<String, Object> m = new HashMap<>(16);
        m.put("trace_id", traceparent.substring(3, 35));
        m.put("span_id", spanIdHex());
        m.put("parent_span_id", traceparent.substring(36, 52));
        m.put("name", "taipan.call " + function);
        m.put("kind", "SERVER");
        m.put("scope", "taipan_worker");
        m.put("start_ns", startEpochNanos);
        m.put("end_ns", endEpochNanos);
        m.put("status", errorType != null ? "ERROR" : "UNSET");
        m.put("status_message", statusMessage);
        m.put("attributes", attrs);
        m.put("events", List.of());
        return m;
    }
}
