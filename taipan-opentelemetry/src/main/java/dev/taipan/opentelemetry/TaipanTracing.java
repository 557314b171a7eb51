package dev.taipan.opentelemetry;

import dev.taipan.CallTracer;
import dev.taipan.ServerSpan;
import dev.taipan.TaipanException;
import dev.taipan.TracedCall;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
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
import java.util.concurrent.TimeUnit;

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
 * kinds, times, attributes, events and status are the worker's. The worker sends its SERVER
 * span as a compact record ({@link ServerSpan}: id, times, attributes); its name, kind,
 * {@code rpc.*} attributes and error status are filled in here, from the call.
 */
public final class TaipanTracing implements CallTracer {
    /** Instrumentation scope of the CLIENT spans. */
    public static final String SCOPE = "dev.taipan";

    /** Instrumentation scope of the re-created worker SERVER spans (the worker's tracer name). */
    static final String WORKER_SCOPE = "taipan_worker";
    private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    private static final AttributeKey<String> SESSION = AttributeKey.stringKey("taipan.session");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> WORKER_SPAN_ID = AttributeKey.stringKey("taipan.worker.span_id");

    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;
    private final Tracer workerTracer;

    private TaipanTracing(OpenTelemetry openTelemetry) {
        this.openTelemetry = openTelemetry;
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.workerTracer = openTelemetry.getTracer(WORKER_SCOPE);
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
        String name = "taipan.call " + function;
        var builder = tracer.spanBuilder(name)
                .setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(RPC_SYSTEM, "taipan")
                .setAttribute(RPC_METHOD, function);
        if (session != null) {
            builder.setAttribute(SESSION, session);
        }
        Span span = builder.startSpan();
        SpanContext sc = span.getSpanContext();
        if (!sc.isValid()) {
            span.end();
            return null; // a no-op OpenTelemetry: nothing to continue
        }
        Context context = parent.with(span);
        // The W3C header written directly (what the propagator writes, without its carrier map);
        // the propagator only for the rare non-empty tracestate.
        String traceparent = "00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-" + sc.getTraceFlags().asHex();
        String tracestate = null;
        if (!sc.getTraceState().isEmpty()) {
            Map<String, String> headers = new HashMap<>(4);
            W3CTraceContextPropagator.getInstance().inject(context, headers, Map::put);
            tracestate = headers.get("tracestate");
        }
        return new Call(span, context, name, traceparent, tracestate);
    }

    private final class Call implements TracedCall {
        private final Span span;
        private final Context context;
        private final String name;
        private final String traceparent;
        private final String tracestate;

        Call(Span span, Context context, String name, String traceparent, String tracestate) {
            this.span = span;
            this.context = context;
            this.name = name;
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
            end(error, null, workerSpans);
        }

        @Override
        public void end(TaipanException error, ServerSpan server, List<Map<String, Object>> workerSpans) {
            if (server != null) {
                Context serverContext = context.with(serverSpan(server));
                if (!workerSpans.isEmpty()) {
                    new WorkerSpans(openTelemetry, span.getSpanContext(), context)
                            .under(server.spanIdHex(), serverContext).emit(workerSpans);
                }
            } else if (!workerSpans.isEmpty()) {
                new WorkerSpans(openTelemetry, span.getSpanContext(), context).emit(workerSpans);
            }
            if (error != null) {
                span.setAttribute(ERROR_TYPE, error.getClass().getName());
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, error.getMessage() == null ? "" : error.getMessage());
            }
            span.end();
        }

        /** The worker's SERVER span, re-created under the CLIENT span with its own times and outcome. */
        private Span serverSpan(ServerSpan server) {
            SpanBuilder b = workerTracer.spanBuilder(name)
                    .setParent(context)
                    .setSpanKind(SpanKind.SERVER)
                    .setStartTimestamp(server.startEpochNanos(), TimeUnit.NANOSECONDS)
                    .setAttribute(RPC_SYSTEM, "taipan")
                    .setAttribute(RPC_METHOD, server.function())
                    .setAttribute(WORKER_SPAN_ID, server.spanIdHex());
            if (!server.attributes().isEmpty()) {
                b.setAllAttributes(WorkerSpans.attributes(server.attributes()));
            }
            if (server.errorType() != null) {
                b.setAttribute(ERROR_TYPE, server.errorType());
            }
            Span s = b.startSpan();
            if (server.statusMessage() != null) {
                s.setStatus(StatusCode.ERROR, server.statusMessage());
            }
            s.end(server.endEpochNanos(), TimeUnit.NANOSECONDS);
            return s;
        }
    }

    @Override
    public String toString() {
        return "TaipanTracing[" + SCOPE + "]";
    }
}
