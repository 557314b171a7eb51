package dev.taipan.opentelemetry;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Prediction;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Java span → Python call span → DSPy predictor span → LM span, against the local LM server. */
@Tag("python")
@Tag("dspy")
class DspyTracingTest {
    @Test
    void aProgramRunIsOneTraceDownToTheLmCall() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
             LocalLmServer server = LocalLmServer.start(TracingTest.python().toString());
             TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("dspy-trace")
                     .python(TracingTest.python()).modules("taipan_worker.dspy").workers(1)
                     .startTimeout(Duration.ofSeconds(90)).callTimeout(Duration.ofSeconds(120))
                     .callTracer(TaipanTracing.create(otel)).build())) {
            Dspy dspy = Dspy.on(pool).lm(server.lm());
            Span request = otel.getTracer("test").spanBuilder("request").startSpan();
            Prediction p;
            try (Scope ignored = request.makeCurrent()) {
                p = dspy.predict("question -> answer").run(Map.of("question", "what is a taipan?"));
            } finally {
                request.end();
            }
            assertFalse(p.getString("answer").isEmpty());
            List<SpanData> spans = exporter.getFinishedSpanItems();
            Map<String, SpanData> byId = spans.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
            SpanData lm = spans.stream().filter(s -> s.getName().startsWith("chat ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no LM span in " + spans));
            assertEquals(SpanKind.CLIENT, lm.getKind());
            assertEquals("chat", lm.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")));
            assertTrue(lm.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")) != null);
            SpanData predictor = byId.get(lm.getParentSpanId());
            assertEquals("dspy.module Predict", predictor.getName());
            // Up from the predictor: the worker's SERVER span, the pool's CLIENT span, the request.
            SpanData s = predictor;
            while (s.getKind() != SpanKind.SERVER) {
                s = byId.get(s.getParentSpanId());
            }
            SpanData client = byId.get(s.getParentSpanId());
            assertEquals(SpanKind.CLIENT, client.getKind());
            assertEquals(request.getSpanContext().getSpanId(), client.getParentSpanId());
            assertEquals(request.getSpanContext().getTraceId(), lm.getTraceId());
            for (SpanData each : spans) {
                // No prompt or completion text by default. (Calls the bridge made before the
                // request, e.g. describing the worker's DSPy, are traces of their own.)
                assertFalse(each.getAttributes().toString().contains("what is a taipan"), each.toString());
            }
        }
    }
}
