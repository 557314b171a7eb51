package dev.taipan.opentelemetry;

import dev.taipan.CallTracer;
import dev.taipan.TaipanException;
import dev.taipan.TracedCall;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Traces a pool's calls with OpenTelemetry: set it with
 * {@code PoolConfig.builder().callTracer(TaipanTracing.create(openTelemetry))}.
 *
 * <p>Each call gets a CLIENT span {@code taipan.call <function>} ({@code rpc.system=taipan},
 * {@code rpc.method}), child of the caller's current span, ended with error status when the
 * call fails. Its W3C trace context travels to the worker, whose SERVER span and the spans
 * under it (user code, DSPy modules, LM calls) come back with the answer and are re-emitted
 * here, through the same OpenTelemetry, so one exporter configuration covers both sides.
 *
 * <p>The OpenTelemetry API cannot set a span's id, so a re-emitted span gets a new one: the tree
 * is re-created parent first, each worker span id mapped to its new span, and the worker's own
 * id kept as the attribute {@code taipan.worker.span_id}. Trace ids, parent links, names,
 * kinds, times, attributes, events and status are the worker's.
 */
public final class TaipanTracing implements CallTracer {
    /** Instrumentation scope of the CLIENT spans. */
    public static final String SCOPE = "dev.taipan";

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;

    private TaipanTracing(OpenTelemetry openTelemetry) {
        this.openTelemetry = openTelemetry;
        this.tracer = openTelemetry.getTracer(SCOPE);
    }

    /**
     * Traces calls with {@code openTelemetry}'s tracer provider; give the result to
     * {@link dev.taipan.PoolConfig.Builder#callTracer}. One instance may serve several pools.
     *
     * @param openTelemetry the OpenTelemetry whose tracer provider makes the spans, not null
     * @return the tracer
     * @throws NullPointerException if {@code openTelemetry} is null
     */
    public static TaipanTracing create(OpenTelemetry openTelemetry) {
        return new TaipanTracing(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    @Override
    public TracedCall start(String function, String session) {
        Context parent = Context.current();
        var builder = tracer.spanBuilder("taipan.call " + function)
                .setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("rpc.system", "taipan")
                .setAttribute("rpc.method", function);
        if (session != null) {
            builder.setAttribute("taipan.session", session);
        }
        Span span = builder.startSpan();
        if (!span.getSpanContext().isValid()) {
            span.end();
            return null; // a no-op OpenTelemetry: nothing to continue
        }
        Context context = parent.with(span);
        Map<String, String> headers = new HashMap<>(4);
        W3CTraceContextPropagator.getInstance().inject(context, headers, Map::put);
        return new Call(span, context, headers.get("traceparent"), headers.get("tracestate"));
    }

    private final class Call implements TracedCall {
        private final Span span;
        private final Context context;
        private final String traceparent;
        private final String tracestate;

        Call(Span span, Context context, String traceparent, String tracestate) {
            this.span = span;
            this.context = context;
            this.traceparent = traceparent;
            this.tracestate = tracestate;
        }

        @Override
        public String traceparent() {
            return traceparent;
        }

        @Override
        public String tracestate() {
            return tracestate;
        }

        @Override
        public void end(TaipanException error, List<Map<String, Object>> workerSpans) {
            if (!workerSpans.isEmpty()) {
                new WorkerSpans(openTelemetry, span.getSpanContext(), context).emit(workerSpans);
            }
            if (error != null) {
                span.setAttribute("error.type", error.getClass().getName());
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
            }
            span.end();
        }
    }

    @Override
    public String toString() {
        return "TaipanTracing[" + SCOPE + "]";
    }
}
