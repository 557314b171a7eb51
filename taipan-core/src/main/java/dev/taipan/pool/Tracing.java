package dev.taipan.pool;

import dev.taipan.CallTracer;
import dev.taipan.ServerSpan;
import dev.taipan.TaipanException;
import dev.taipan.TracedCall;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/** Calls the user's {@link CallTracer} guarded: a tracer that throws costs its trace, never the call. */
final class Tracing {
    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);

    private Tracing() {
    }

    /** The call's trace, or null if the tracer gave none, gave one without a traceparent, or threw. */
    static TracedCall start(CallTracer tracer, String function, String session) {
        try {
            TracedCall trace = tracer.start(function, session);
            if (trace == null) {
                return null;
            }
            String traceparent = trace.traceparent();
            if (traceparent == null || traceparent.isEmpty()) {
                trace.end(null, List.of());
                return null;
            }
            return trace;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("the call tracer failed to start a trace for {}; the call goes on untraced", function, e);
            return null;
        }
    }

    static void end(TracedCall trace, TaipanException error, ServerSpan serverSpan,
                    List<Map<String, Object>> workerSpans) {
        try {
            trace.end(error, serverSpan, workerSpans);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("the call tracer failed to end a trace", e);
        }
    }
}
