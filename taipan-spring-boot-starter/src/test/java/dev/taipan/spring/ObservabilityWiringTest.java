package dev.taipan.spring;

import dev.taipan.PoolConfig;
import dev.taipan.PoolListener;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Signature;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the starter wires when the application has a MeterRegistry or an OpenTelemetry bean, and
 * what it leaves alone without them, without the modules, or when switched off. No HTTP: an
 * ApplicationContextRunner; a real pool of one real worker only where a call has to be seen.
 */
@Tag("python")
class ObservabilityWiringTest {
    private static final String PYTHON = System.getProperty("taipan.python");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TaipanMetricsAutoConfiguration.class,
                    TaipanTracingAutoConfiguration.class, TaipanAutoConfiguration.class,
                    TaipanDspyAutoConfiguration.class))
            .withPropertyValues("taipan.pool.python=" + PYTHON, "taipan.pool.workers=1",
                    "taipan.pool.start-mode=spawn", "taipan.pool.shutdown-hook=false");

    /** The application's registry and OpenTelemetry (an SDK exporting to memory, synchronously). */
    @Configuration(proxyBeanMethods = false)
    static class Observed {
        final InMemorySpanExporter exporter = InMemorySpanExporter.create();

        @Bean
        InMemorySpanExporter exporter() {
            return exporter;
        }

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean(destroyMethod = "close")
        OpenTelemetrySdk openTelemetry() {
            return OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
        }
    }

    /** A listener of the application's own, which the metrics must not replace. */
    @Configuration(proxyBeanMethods = false)
    static class OwnListener {
        final ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();

        @Bean
        ConcurrentLinkedQueue<String> ownCalls() {
            return calls;
        }

        @Bean
        TaipanPoolCustomizer ownListener() {
            return b -> b.listener(new PoolListener() {
                @Override
                public void callCompleted(CallEnd end) {
                    calls.add(end.function() + ":" + end.outcome());
                }
            });
        }
    }

    @Test
    void withARegistryAndOpenTelemetryAPoolCallIsMeteredAndTraced() {
        runner.withUserConfiguration(Observed.class, OwnListener.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasBean("taipanMetricsPoolCustomizer").hasBean("taipanTracingPoolCustomizer");
            TaipanPool pool = ctx.getBean(TaipanPool.class);
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            assertThat(registry.get("taipan.workers").tag("pool", "taipan").tag("state", "ready").gauge().value())
                    .isEqualTo(1.0);

            pool.call("ping");

            Timer calls = registry.get("taipan.calls").tag("function", "ping").tag("outcome", "success").timer();
            assertThat(calls.count()).isEqualTo(1);
            // Added next to the application's listener, not instead of it.
            assertThat(ctx.getBean("ownCalls", ConcurrentLinkedQueue.class)).hasSize(1);
            List<SpanData> spans = ctx.getBean(InMemorySpanExporter.class).getFinishedSpanItems();
            SpanData client = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
            assertThat(client.getName()).isEqualTo("taipan.call ping");
            // The worker's SERVER span, handed back and re-emitted under the CLIENT span.
            assertThat(spans).anySatisfy(s -> {
                assertThat(s.getKind()).isEqualTo(SpanKind.SERVER);
                assertThat(s.getTraceId()).isEqualTo(client.getTraceId());
                assertThat(s.getParentSpanId()).isEqualTo(client.getSpanId());
            });
        });
    }

    @Test
    void theOffSwitchesLeaveThePoolUninstrumented() {
        runner.withUserConfiguration(Observed.class)
                .withPropertyValues("taipan.metrics.enabled=false", "taipan.tracing.enabled=false",
                        "taipan.pool.lazy-start=true")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean("taipanMetricsPoolCustomizer")
                            .doesNotHaveBean("taipanDspyMetricsCustomizer").doesNotHaveBean("taipanTracingPoolCustomizer");
                    PoolConfig config = ctx.getBean(PoolConfig.class);
                    assertThat(config.listener()).isSameAs(PoolListener.NONE);
                    assertThat(config.callTracer()).isNull();
                    assertThat(ctx.getBean(MeterRegistry.class).find("taipan.workers").meters()).isEmpty();
                });
    }

    @Test
    void eachSwitchTurnsOffOnlyItsOwn() {
        runner.withUserConfiguration(Observed.class)
                .withPropertyValues("taipan.tracing.enabled=false", "taipan.pool.lazy-start=true")
                .run(ctx -> {
                    assertThat(ctx).hasBean("taipanMetricsPoolCustomizer").doesNotHaveBean("taipanTracingPoolCustomizer");
                    assertThat(ctx.getBean(PoolConfig.class).callTracer()).isNull();
                    assertThat(ctx.getBean(PoolConfig.class).listener()).isNotSameAs(PoolListener.NONE);
                });
        runner.withUserConfiguration(Observed.class)
                .withPropertyValues("taipan.metrics.enabled=false", "taipan.pool.lazy-start=true")
                .run(ctx -> {
                    assertThat(ctx).doesNotHaveBean("taipanMetricsPoolCustomizer").hasBean("taipanTracingPoolCustomizer");
                    assertThat(ctx.getBean(PoolConfig.class).listener()).isSameAs(PoolListener.NONE);
                    assertThat(ctx.getBean(PoolConfig.class).callTracer())
                            .isInstanceOf(dev.taipan.opentelemetry.TaipanTracing.class);
                });
    }

    @Test
    void withoutARegistryOrOpenTelemetryBeanNothingIsWired() {
        runner.withPropertyValues("taipan.pool.lazy-start=true").run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean("taipanMetricsPoolCustomizer")
                    .doesNotHaveBean("taipanTracingPoolCustomizer");
            assertThat(ctx.getBean(PoolConfig.class).listener()).isSameAs(PoolListener.NONE);
            assertThat(ctx.getBean(PoolConfig.class).callTracer()).isNull();
        });
    }

    @Test
    void anApplicationWithoutMicrometerOrOpenTelemetryStillStarts() {
        // Neither the libraries nor Taipan's modules for them on the classpath.
        runner.withClassLoader(new FilteredClassLoader("io.micrometer", "io.opentelemetry",
                        "dev.taipan.micrometer", "dev.taipan.opentelemetry"))
                .withPropertyValues("taipan.pool.lazy-start=true")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(TaipanPool.class)
                            .doesNotHaveBean("taipanMetricsPoolCustomizer").doesNotHaveBean("taipanTracingPoolCustomizer");
                    assertThat(ctx.getBean(PoolConfig.class).callTracer()).isNull();
                });
    }

    @Test
    void withTheBeansButNotTaipansModulesNothingIsWired() {
        runner.withUserConfiguration(Observed.class)
                .withClassLoader(new FilteredClassLoader("dev.taipan.micrometer", "dev.taipan.opentelemetry"))
                .withPropertyValues("taipan.pool.lazy-start=true")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean("taipanMetricsPoolCustomizer")
                            .doesNotHaveBean("taipanTracingPoolCustomizer");
                    assertThat(ctx.getBean(PoolConfig.class).listener()).isSameAs(PoolListener.NONE);
                });
    }

    @Test
    void aCallTracerOfTheApplicationsOwnWinsOverTheAutomaticOne() {
        dev.taipan.CallTracer own = (function, traceparent) -> null;
        runner.withUserConfiguration(Observed.class)
                .withBean("ownTracer", TaipanPoolCustomizer.class, () -> b -> b.callTracer(own))
                .withPropertyValues("taipan.pool.lazy-start=true")
                .run(ctx -> assertThat(ctx.getBean(PoolConfig.class).callTracer()).isSameAs(own));
    }

    /** The one test that imports DSPy in a worker (seconds): a real run against the local LM server. */
    @Test
    @Tag("dspy")
    void theDspyBeanCountsItsRunsAndKeepsTheApplicationsCustomizers() {
        ConcurrentLinkedQueue<String> own = new ConcurrentLinkedQueue<>();
        try (LocalLmServer lm = LocalLmServer.start(PYTHON)) {
            runner.withUserConfiguration(Observed.class)
                    .withBean("ownDspy", TaipanDspyCustomizer.class,
                            () -> dspy -> dspy.listener((kind, usage) -> own.add(kind + ":" + usage.models().get("openai/taipan-local").calls())))
                    .withPropertyValues("taipan.dspy.model=openai/taipan-local", "taipan.dspy.api-base=" + lm.url(),
                            "taipan.dspy.cache=false", "taipan.dspy.num-retries=0", "taipan.dspy.engine=litellm",
                            // The local LM server takes any key; LiteLLM wants one in the worker's environment.
                            "taipan.pool.env.OPENAI_API_KEY=local-placeholder-key")
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed().hasBean("taipanDspyMetricsCustomizer");
                        Signature signature = Signature.builder().input("question", FieldType.STR, null)
                                .output("answer", FieldType.STR, null).build();
                        ctx.getBean(Dspy.class).predict(signature).run(Map.of("question", "Is the pool up?"));

                        MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                        assertThat(registry.get("taipan.dspy.runs").tag("kind", "predict").counter().count()).isEqualTo(1);
                        assertThat(registry.get("taipan.dspy.lm.calls").tag("model", "openai/taipan-local").counter().count())
                                .isEqualTo(1);
                        assertThat(own).containsExactly("predict:1");
                    });
        }
    }
}
