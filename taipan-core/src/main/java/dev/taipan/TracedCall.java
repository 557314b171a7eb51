package dev.taipan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One call as its {@link CallTracer} sees it: the W3C trace context the call carries to the
 * worker, and how it ended.
 */
public interface TracedCall {
    /** {@return the W3C {@code traceparent} header the worker continues, e.g. {@code 00-<trace>-<span>-01}; never null} */
    String traceparent();

    /** {@return the W3C {@code tracestate} header, or null for none} */
    default String tracestate() {
        return null;
    }

    /**
     * The call ended; called exactly once, on whatever thread ended it, before the caller sees
     * the outcome.
     *
     * @param error       null if the call returned a value; else what the caller gets
     * @param workerSpans the spans the worker finished during the call and handed back in its
     *                    answer (docs/PROTOCOL.md, "Trace context"), parents before children when
     *                    the worker wrote them so; empty if it handed none back (its own
     *                    TracerProvider exports them, or it died, or the call ended on this side)
     */
    void end(TaipanException error, List<Map<String, Object>> workerSpans);

    /**
     * The call ended; what the pool calls, exactly once, on whatever thread ended it, before
     * the caller sees the outcome. A tracer that re-creates the worker's SERVER span itself
     * overrides this; by default the SERVER span goes, as a {@code spans} entry ({@link
     * ServerSpan#toSpanMap}), first into the list {@link #end(TaipanException, List)} gets.
     *
     * @param error       null if the call returned a value; else what the caller gets
     * @param serverSpan  the worker's SERVER span of the call, or null if it handed none back
     *                    (untraced there, unsampled, its own TracerProvider exports it, or the
     *                    worker died, or the call ended on this side)
     * @param workerSpans the worker's other spans of the call, as in {@link #end(TaipanException, List)}
     */
    default void end(TaipanException error, ServerSpan serverSpan, List<Map<String, Object>> workerSpans) {
        if (serverSpan == null) {
            end(error, workerSpans);
            return;
        }
        List<Map<String, Object>> all = new ArrayList<>(workerSpans.size() + 1);
        all.add(serverSpan.toSpanMap(traceparent()));
        all.addAll(workerSpans);
        end(error, all);
    }
}
