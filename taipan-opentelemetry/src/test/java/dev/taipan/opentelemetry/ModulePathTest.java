package dev.taipan.opentelemetry;

import dev.taipan.TaipanPool;
import dev.taipan.apicheck.ConsumerModule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing on the module path: a consumer that says only {@code requires
 * dev.taipan.opentelemetry} reaches core and the OpenTelemetry API through the transitive
 * requires; with the OpenTelemetry SDK (automatic modules) next to it, a traced call's CLIENT
 * span is made, exported, and its W3C context is what a worker would be sent.
 */
class ModulePathTest {
    private static final List<String> CORE_DEPENDENCIES = List.of("msgpack-core-", "jackson-", "slf4j-api-",
            "slf4j-simple-", "opentelemetry-api-", "opentelemetry-context-");

    @TempDir
    Path dir;

    @Test
    void aConsumerNeedsOnlyTheOpenTelemetryModule() throws Exception {
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, TaipanTracing.class),
                CORE_DEPENDENCIES);
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.opentelemetry;
                }
                """, """
                package consumer;

                import dev.taipan.PoolConfig;
                import dev.taipan.opentelemetry.TaipanTracing;
                import io.opentelemetry.api.OpenTelemetry;

                public class Main {
                    public static void main(String[] args) {
                        TaipanTracing tracing = TaipanTracing.create(OpenTelemetry.noop());
                        PoolConfig config = PoolConfig.builder().name("mp").callTracer(tracing).build();
                        System.out.println("tracer " + config.callTracer());
                        System.out.println("noop call " + tracing.start("m:f", null));
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(60);
        assertEquals(0, ran.exitStatus(), ran.output());
        assertTrue(ran.output().contains("tracer TaipanTracing[dev.taipan]"), ran.output());
        assertTrue(ran.output().contains("noop call null"), "a no-op OpenTelemetry traces nothing: " + ran.output());
    }

    @Test
    void withTheSdkATracedCallMakesAndExportsItsClientSpan() throws Exception {
        List<String> jars = new java.util.ArrayList<>(CORE_DEPENDENCIES);
        jars.addAll(List.of("opentelemetry-sdk-1", "opentelemetry-sdk-common-", "opentelemetry-sdk-trace-",
                "opentelemetry-sdk-metrics-", "opentelemetry-sdk-logs-"));
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, TaipanTracing.class), jars);
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.opentelemetry;
                    requires io.opentelemetry.sdk;
                    requires io.opentelemetry.sdk.trace;
                    requires io.opentelemetry.sdk.common;
                }
                """, """
                package consumer;

                import dev.taipan.TracedCall;
                import dev.taipan.opentelemetry.TaipanTracing;
                import io.opentelemetry.sdk.OpenTelemetrySdk;
                import io.opentelemetry.sdk.common.CompletableResultCode;
                import io.opentelemetry.sdk.trace.SdkTracerProvider;
                import io.opentelemetry.sdk.trace.data.SpanData;
                import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
                import io.opentelemetry.sdk.trace.export.SpanExporter;

                import java.util.Collection;
                import java.util.List;

                public class Main {
                    public static void main(String[] args) {
                        SpanExporter printing = new SpanExporter() {
                            @Override
                            public CompletableResultCode export(Collection<SpanData> spans) {
                                spans.forEach(s -> System.out.println("exported " + s.getName() + " " + s.getKind()
                                        + " " + s.getTraceId()));
                                return CompletableResultCode.ofSuccess();
                            }

                            @Override
                            public CompletableResultCode flush() {
                                return CompletableResultCode.ofSuccess();
                            }

                            @Override
                            public CompletableResultCode shutdown() {
                                return CompletableResultCode.ofSuccess();
                            }
                        };
                        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider
                                .builder().addSpanProcessor(SimpleSpanProcessor.create(printing)).build()).build()) {
                            TracedCall call = TaipanTracing.create(sdk).start("m:f", null);
                            System.out.println("traceparent " + call.traceparent());
                            call.end(null, List.of());
                        }
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(60);
        assertEquals(0, ran.exitStatus(), ran.output());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("traceparent 00-([0-9a-f]{32})-[0-9a-f]{16}-01")
                .matcher(ran.output());
        assertTrue(m.find(), ran.output());
        assertTrue(ran.output().contains("exported taipan.call m:f CLIENT " + m.group(1)), ran.output());
    }
}
