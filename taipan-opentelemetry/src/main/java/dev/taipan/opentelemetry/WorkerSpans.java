package dev.taipan.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Re-creates one call's worker spans (docs/PROTOCOL.md, "Trace context") under its CLIENT span,
 * parent first: a span whose parent is the SERVER span ({@link #under}) or in the list waits
 * for it; the rest (a SERVER span in the list, as an older worker sent it, and any orphan) hang
 * from the CLIENT span. Spans of another trace are skipped.
 */
final class WorkerSpans {
    private final OpenTelemetry openTelemetry;
    private final SpanContext client;
    private final Context clientContext;
    private final Map<String, Map<String, Object>> byId = new HashMap<>();
    private final Map<String, Context> created = new HashMap<>();
    private final Set<String> visiting = new HashSet<>();

    WorkerSpans(OpenTelemetry openTelemetry, SpanContext client, Context clientContext) {
        this.openTelemetry = openTelemetry;
        this.client = client;
        this.clientContext = clientContext;
    }

    /** Spans whose parent is worker span {@code id} (the SERVER span, re-created already) hang from {@code context}. */
    WorkerSpans under(String id, Context context) {
        created.put(id, context);
        return this;
    }

    void emit(List<Map<String, Object>> spans) {
        List<String> order = new ArrayList<>(spans.size());
        for (Map<String, Object> s : spans) {
            Object id = s.get("span_id");
            if (id instanceof String && client.getTraceId().equals(s.get("trace_id"))) {
                byId.put((String) id, s);
                order.add((String) id);
            }
        }
        for (String id : order) {
            contextOf(id);
        }
    }

    /** The re-created span of worker span {@code id} as a parent context, creating it (and its parents) first. */
    private Context contextOf(String id) {
        Context done = created.get(id);
        if (done != null) {
            return done;
        }
        Map<String, Object> s = byId.get(id);
        if (s == null || !visiting.add(id)) {
            return clientContext; // not handed back (or a cycle): hang it from the CLIENT span
        }
        Object parentId = s.get("parent_span_id");
        Context parent = parentId instanceof String && (created.containsKey(parentId) || byId.containsKey(parentId))
                ? contextOf((String) parentId) : clientContext;
        Context context = parent.with(create(s, parent));
        created.put(id, context);
        return context;
    }

    private Span create(Map<String, Object> s, Context parent) {
        Object scope = s.get("scope");
        SpanBuilder b = openTelemetry.getTracer(scope instanceof String && !((String) scope).isEmpty()
                        ? (String) scope : "taipan_worker")
                .spanBuilder(String.valueOf(s.get("name")))
                .setParent(parent)
                .setSpanKind(kind(s.get("kind")))
                .setAllAttributes(attributes(s.get("attributes")))
                .setAttribute("taipan.worker.span_id", String.valueOf(s.get("span_id")));
        if (s.get("start_ns") instanceof Long) {
            b.setStartTimestamp((Long) s.get("start_ns"), TimeUnit.NANOSECONDS);
        }
        Span span = b.startSpan();
        Object events = s.get("events");
        if (events instanceof List) {
            for (Object e : (List<?>) events) {
                if (e instanceof Map && ((Map<?, ?>) e).get("time_ns") instanceof Long) {
                    Map<?, ?> event = (Map<?, ?>) e;
                    span.addEvent(String.valueOf(event.get("name")), attributes(event.get("attributes")),
                            (Long) event.get("time_ns"), TimeUnit.NANOSECONDS);
                }
            }
        }
        Object status = s.get("status");
        Object message = s.get("status_message");
        if ("ERROR".equals(status)) {
            span.setStatus(StatusCode.ERROR, message instanceof String ? (String) message : "");
        } else if ("OK".equals(status)) {
            span.setStatus(StatusCode.OK);
        }
        if (s.get("end_ns") instanceof Long) {
            span.end((Long) s.get("end_ns"), TimeUnit.NANOSECONDS);
        } else {
            span.end();
        }
        return span;
    }

    private static SpanKind kind(Object kind) {
        if (kind instanceof String) {
            try {
                return SpanKind.valueOf((String) kind);
            } catch (IllegalArgumentException e) {
                return SpanKind.INTERNAL;
            }
        }
        return SpanKind.INTERNAL;
    }

    static Attributes attributes(Object attrs) {
        if (!(attrs instanceof Map)) {
            return Attributes.empty();
        }
        AttributesBuilder b = Attributes.builder();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) attrs).entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (v instanceof String) {
                b.put(key, (String) v);
            } else if (v instanceof Boolean) {
                b.put(key, (Boolean) v);
            } else if (v instanceof Long) {
                b.put(key, (Long) v);
            } else if (v instanceof Double) {
                b.put(key, (Double) v);
            } else if (v instanceof List) {
                List<String> strings = new ArrayList<>();
                for (Object item : (List<?>) v) {
                    strings.add(String.valueOf(item));
                }
                b.put(key, strings.toArray(new String[0]));
            }
        }
        return b.build();
    }
}
