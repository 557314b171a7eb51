package dev.taipan.opentelemetry;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerCrashedException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One request, one trace, across the hop into real Python workers; spans in an in-memory exporter. */
@Tag("python")
class TracingTest {
    private static final String MODULE = String.join("\n",
            "import asyncio",
            "import contextvars",
            "import time",
            "from concurrent.futures import ThreadPoolExecutor",
            "from opentelemetry import trace",
            "from taipan_worker import function",
            "tracer = trace.get_tracer('tp_otel')",
            "@function",
            "def work(x):",
            "    with tracer.start_as_current_span('work.inner') as span:",
            "        span.set_attribute('x', x)",
            "        with tracer.start_as_current_span('work.leaf'):",
            "            return x * 2",
            "@function",
            "def pid():",
            "    import os",
            "    return os.getpid()",
            "@function",
            "def block(seconds):",
            "    with tracer.start_as_current_span('block.inner'):",
            "        time.sleep(seconds)",
            "    return seconds",
            "helpers = ThreadPoolExecutor(2)",
            "def _helper(x):",
            "    with tracer.start_as_current_span('pooled.helper'):",
            "        return x - 1",
            "@function",
            "def pooled(x):",
            "    return helpers.submit(contextvars.copy_context().run, _helper, x).result()",
            "@function",
            "async def coro(x):",
            "    with tracer.start_as_current_span('coro.inner'):",
            "        await asyncio.sleep(0.01)",
            "        return x + 1",
            "@function",
            "def fails():",
            "    trace.get_current_span().set_attribute('fails.tag', 'on the server span')",
            "    with tracer.start_as_current_span('fails.inner'):",
            "        raise ValueError('nope')",
            "");

    @TempDir
    Path dir;
    private InMemorySpanExporter exporter;
    private OpenTelemetrySdk otel;
    private TaipanPool pool;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(dir.resolve("tp_otel.py"), MODULE);
        exporter = InMemorySpanExporter.create();
        otel = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
        pool = TaipanPool.start(PoolConfig.builder()
                .python(python())
                .modules("tp_otel").pythonPath(dir).workers(1)
                .callTracer(TaipanTracing.create(otel)).build());
    }

    @AfterEach
    void stop() {
        pool.close();
        otel.close();
    }

    static Path python() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve(".venv/bin/python"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("no .venv/bin/python above " + Path.of("").toAbsolutePath()
                    + ": run bin/taipan setup");
        }
        return root.resolve(".venv/bin/python");
    }

    private Map<String, SpanData> byName() {
        return exporter.getFinishedSpanItems().stream()
                .collect(Collectors.toMap(SpanData::getName, Function.identity(), (a, b) -> a));
    }

    @Test
    void oneRequestIsOneTraceFromTheJavaSpanToTheUsersSpansInPython() {
        Tracer tracer = otel.getTracer("test");
        Span request = tracer.spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            assertEquals(42L, pool.call("tp_otel:work", List.of(21)));
        } finally {
            request.end();
        }
        Map<String, SpanData> spans = byName();
        SpanData client = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
        SpanData server = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        SpanData inner = spans.get("work.inner");
        SpanData leaf = spans.get("work.leaf");
        assertEquals(5, exporter.getFinishedSpanItems().size(), exporter.getFinishedSpanItems().toString());
        String trace = request.getSpanContext().getTraceId();
        for (SpanData s : exporter.getFinishedSpanItems()) {
            assertEquals(trace, s.getTraceId(), s.getName());
        }
        assertEquals("taipan.call tp_otel:work", client.getName());
        assertEquals("taipan", client.getAttributes().get(AttributeKey.stringKey("rpc.system")));
        assertEquals(request.getSpanContext().getSpanId(), client.getParentSpanId());
        assertEquals(client.getSpanId(), server.getParentSpanId());
        assertEquals(server.getSpanId(), inner.getParentSpanId());
        assertEquals(inner.getSpanId(), leaf.getParentSpanId());
        assertEquals(21L, inner.getAttributes().get(AttributeKey.longKey("x")));
        assertEquals("tp_otel", inner.getInstrumentationScopeInfo().getName());
        // New ids (the API cannot set them), the worker's kept as an attribute.
        String workerId = inner.getAttributes().get(AttributeKey.stringKey("taipan.worker.span_id"));
        assertEquals(16, workerId.length());
        assertNotEquals(workerId, inner.getSpanId());
        // Worker times: inside the CLIENT span.
        assertTrue(server.getStartEpochNanos() >= client.getStartEpochNanos());
        assertTrue(leaf.getEndEpochNanos() <= server.getEndEpochNanos());
    }

    private SpanData only(SpanKind kind) {
        List<SpanData> found = exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind)
                .collect(Collectors.toList());
        assertEquals(1, found.size(), found.toString());
        return found.get(0);
    }

    @Test
    void userSpansNestUnderTheServerSpanFromPlainThreadPoolAndAsyncFunctions() {
        for (var c : List.of(Map.entry("tp_otel:pooled", "pooled.helper"), Map.entry("tp_otel:coro", "coro.inner"),
                Map.entry("tp_otel:work", "work.inner"))) {
            exporter.reset();
            assertTrue(pool.call(c.getKey(), List.of(5)) instanceof Long);
            SpanData client = only(SpanKind.CLIENT);
            SpanData server = only(SpanKind.SERVER);
            SpanData user = byName().get(c.getValue());
            assertEquals(client.getSpanId(), server.getParentSpanId(), c.getKey());
            assertEquals(server.getSpanId(), user.getParentSpanId(), c.getKey());
            assertEquals(client.getTraceId(), user.getTraceId(), c.getKey());
            assertEquals("taipan.call " + c.getKey(), server.getName());
            assertEquals("taipan_worker", server.getInstrumentationScopeInfo().getName());
            assertEquals(c.getKey(), server.getAttributes().get(AttributeKey.stringKey("rpc.method")));
            assertEquals(StatusCode.UNSET, server.getStatus().getStatusCode());
            // The worker's own times: the user span inside the SERVER span, inside the CLIENT span.
            assertTrue(client.getStartEpochNanos() <= server.getStartEpochNanos(), c.getKey());
            assertTrue(server.getStartEpochNanos() <= user.getStartEpochNanos(), c.getKey());
            assertTrue(user.getEndEpochNanos() <= server.getEndEpochNanos(), c.getKey());
            assertTrue(server.getEndEpochNanos() <= client.getEndEpochNanos(), c.getKey());
        }
    }

    @Test
    void aFailedCallsServerSpanHasTheErrorStatusTypeAndTheAttributesSetOnIt() {
        assertThrows(dev.taipan.PythonException.class, () -> pool.call("tp_otel:fails", null));
        SpanData server = only(SpanKind.SERVER);
        assertEquals(StatusCode.ERROR, server.getStatus().getStatusCode());
        assertEquals("exception: ValueError", server.getStatus().getDescription());
        assertEquals("ValueError", server.getAttributes().get(AttributeKey.stringKey("error.type")));
        assertEquals("on the server span", server.getAttributes().get(AttributeKey.stringKey("fails.tag")));
        SpanData inner = byName().get("fails.inner");
        assertEquals(server.getSpanId(), inner.getParentSpanId());
        assertEquals(StatusCode.ERROR, inner.getStatus().getStatusCode());
        assertEquals(StatusCode.ERROR, only(SpanKind.CLIENT).getStatus().getStatusCode());
    }

    @Test
    void aWorkerKilledDuringTheCallAndTheCallersRetryAreOneTrace() throws Exception {
        long pid = (Long) pool.call("tp_otel:pid", null);
        exporter.reset();
        Tracer tracer = otel.getTracer("test");
        Span request = tracer.spanBuilder("request").startSpan();
        try (Scope ignored = request.makeCurrent()) {
            CompletableFuture<Object> first = pool.callAsync("tp_otel:block", List.of(30));
            assertTrue(eventually(() -> pool.stats().inFlight() == 1));
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
            ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
            assertInstanceOf(WorkerCrashedException.class, e.getCause());
            // The caller's retry: Taipan never re-runs a call not marked idempotent.
            assertEquals(0.0, ((Number) pool.call("tp_otel:block", List.of(0.0))).doubleValue());
        } finally {
            request.end();
        }
        List<SpanData> clients = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.CLIENT).collect(Collectors.toList());
        assertEquals(2, clients.size(), clients.toString());
        for (SpanData c : clients) {
            assertEquals(request.getSpanContext().getTraceId(), c.getTraceId());
            assertEquals(request.getSpanContext().getSpanId(), c.getParentSpanId());
        }
        assertEquals(StatusCode.ERROR, clients.get(0).getStatus().getStatusCode());
        assertEquals(WorkerCrashedException.class.getName(),
                clients.get(0).getAttributes().get(AttributeKey.stringKey("error.type")));
        assertEquals(StatusCode.UNSET, clients.get(1).getStatus().getStatusCode());
        // Only the retry's worker answered: its SERVER span hangs from the second CLIENT span.
        SpanData server = exporter.getFinishedSpanItems().stream()
                .filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertEquals(clients.get(1).getSpanId(), server.getParentSpanId());
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // poll the condition, not a fixed wait
        }
        return condition.getAsBoolean();
    }
}
