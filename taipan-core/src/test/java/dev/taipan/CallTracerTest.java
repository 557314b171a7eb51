package dev.taipan;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tracing seam against real workers (with OpenTelemetry installed in the test venv). */
@Tag("python")
class CallTracerTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String T = "taipan_testing.functions:";
    private TaipanPool pool;

    /** One ended call as the tracer saw it. */
    record Ended(String function, Thread startedOn, TaipanException error, List<Map<String, Object>> spans) {
    }

    /** Gives each call a span id from a counter; records how calls ended. */
    static final class RecordingTracer implements CallTracer {
        final List<Ended> ended = new CopyOnWriteArrayList<>();
        private long next = 1;

        @Override
        public synchronized TracedCall start(String function, String session) {
            String spanId = String.format("%016x", next++);
            Thread thread = Thread.currentThread();
            return new TracedCall() {
                @Override
                public String traceparent() {
                    return "00-" + TRACE + "-" + spanId + "-01";
                }

                @Override
                public void end(TaipanException error, List<Map<String, Object>> workerSpans) {
                    ended.add(new Ended(function + "#" + spanId, thread, error, workerSpans));
                }
            };
        }
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void eachCallCarriesTheCallersContextAndEndsOnceWithTheWorkersSpans() {
        RecordingTracer tracer = new RecordingTracer();
        pool = TaipanPool.start(TestPools.config().workers(1).callTracer(tracer).build());
        assertEquals(5L, pool.call(T + "add", List.of(2, 3)));
        assertEquals(1, tracer.ended.size(), "ended before the caller saw the result");
        Ended ok = tracer.ended.get(0);
        assertNull(ok.error());
        assertEquals(Thread.currentThread(), ok.startedOn(), "started on the caller's thread");
        assertEquals(1, ok.spans().size(), ok.spans().toString());
        Map<String, Object> server = ok.spans().get(0);
        assertEquals("taipan.call " + T + "add", server.get("name"));
        assertEquals("SERVER", server.get("kind"));
        assertEquals(TRACE, server.get("trace_id"));
        assertEquals(ok.function().substring(ok.function().indexOf('#') + 1), server.get("parent_span_id"));

        PythonException failed = assertThrows(PythonException.class, () -> pool.call(T + "fail", List.of("x")));
        Ended bad = tracer.ended.get(1);
        assertEquals(failed, bad.error());
        assertEquals("ERROR", bad.spans().get(0).get("status"));
    }

    @Test
    void aTracerThatTakesTheServerSpanGetsItsRecordWithTheWorkersTimesAndOutcome() {
        List<ServerSpan> servers = new CopyOnWriteArrayList<>();
        List<List<Map<String, Object>>> others = new CopyOnWriteArrayList<>();
        pool = TaipanPool.start(TestPools.config().workers(1).callTracer((function, session) -> new TracedCall() {
            @Override
            public String traceparent() {
                return "00-" + TRACE + "-00f067aa0ba902b7-01";
            }

            @Override
            public void end(TaipanException error, List<Map<String, Object>> workerSpans) {
                throw new AssertionError("the pool calls the three-argument end");
            }

            @Override
            public void end(TaipanException error, ServerSpan serverSpan, List<Map<String, Object>> workerSpans) {
                servers.add(serverSpan);
                others.add(workerSpans);
            }
        }).build());
        long before = System.currentTimeMillis() * 1_000_000L;
        assertEquals(5L, pool.call(T + "add", List.of(2, 3)));
        long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
        ServerSpan ok = servers.get(0);
        assertEquals(T + "add", ok.function());
        assertTrue(ok.spanId() > 0 && ok.spanIdHex().length() == 16, ok.toString());
        // Wall-clock times of the worker (the same host's clock), inside the call as seen here.
        assertTrue(before - 50_000_000L <= ok.startEpochNanos() && ok.startEpochNanos() <= ok.endEpochNanos()
                && ok.endEpochNanos() <= after + 50_000_000L, ok + " not in [" + before + ", " + after + "]");
        assertNull(ok.errorType());
        assertNull(ok.statusMessage());
        assertEquals(Map.of(), ok.attributes());
        assertEquals(List.of(), others.get(0), "no user spans: nothing but the record");

        assertThrows(PythonException.class, () -> pool.call(T + "fail", List.of("x")));
        ServerSpan bad = servers.get(1);
        assertTrue(bad.failed());
        assertEquals("ValueError", bad.errorType());
        assertEquals("exception: ValueError", bad.statusMessage());
        assertTrue(bad.spanId() != ok.spanId());
    }

    @Test
    void anUnsampledOrMalformedTraceparentGetsNoServerSpanAndNoSpansBack(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("tp_unsampled.py"), String.join("\n",
                "from opentelemetry import trace",
                "from taipan_worker import function",
                "@function",
                "def spanned():",
                "    with trace.get_tracer('t').start_as_current_span('inner'):",
                "        return 1",
                ""));
        List<String> parents = List.of("00-" + TRACE + "-00f067aa0ba902b7-00", "00-" + TRACE + "-00f067aa0ba902b7-01",
                "00-" + TRACE.toUpperCase() + "-00f067aa0ba902b7-01", "not a traceparent");
        List<Object[]> seen = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        pool = TaipanPool.start(TestPools.config().workers(1).modules("tp_unsampled").pythonPath(dir)
                .callTracer((function, session) -> {
                    String traceparent = parents.get(next.getAndIncrement());
                    return new TracedCall() {
                        @Override
                        public String traceparent() {
                            return traceparent;
                        }

                        @Override
                        public void end(TaipanException error, List<Map<String, Object>> workerSpans) {
                        }

                        @Override
                        public void end(TaipanException error, ServerSpan serverSpan, List<Map<String, Object>> spans) {
                            seen.add(new Object[] {traceparent, serverSpan, spans});
                        }
                    };
                }).build());
        for (int i = 0; i < parents.size(); i++) {
            assertEquals(1L, pool.call("tp_unsampled:spanned", null));
        }
        assertEquals(parents.size(), seen.size());
        for (Object[] s : seen) {
            boolean sampled = s[0].equals(parents.get(1));
            assertEquals(sampled, s[1] != null, "server span for " + s[0]);
            assertEquals(sampled ? 1 : 0, ((List<?>) s[2]).size(), "spans for " + s[0]);
        }
    }

    @Test
    void aWorkerKilledDuringTheCallEndsItsTraceWithTheErrorAndNoSpans() throws Exception {
        RecordingTracer tracer = new RecordingTracer();
        pool = TaipanPool.start(TestPools.config().workers(1).callTracer(tracer).build());
        long pid = (Long) pool.call(T + "pid", null);
        var running = pool.callAsync(T + "block", List.of(30));
        assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 1));
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        Exception e = assertThrows(Exception.class, () -> running.get(30, TimeUnit.SECONDS));
        assertInstanceOf(WorkerCrashedException.class, e.getCause());
        assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> tracer.ended.size() == 2));
        Ended crashed = tracer.ended.get(1);
        assertInstanceOf(WorkerCrashedException.class, crashed.error());
        assertEquals(List.of(), crashed.spans());
    }

    @Test
    void aSecretValueInAWorkerSpanIsRedacted(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("tp_secret_span.py"), String.join("\n",
                "import os",
                "from opentelemetry import trace",
                "from taipan_worker import function",
                "@function",
                "def leak():",
                "    with trace.get_tracer('t').start_as_current_span('leak') as span:",
                "        span.set_attribute('key', 'value=' + os.environ['TP_API_KEY'])",
                "    return 1",
                ""));
        RecordingTracer tracer = new RecordingTracer();
        pool = TaipanPool.start(TestPools.config().workers(1).modules("tp_secret_span").pythonPath(dir)
                .secret("TP_API_KEY", "sk-very-secret-123").callTracer(tracer).build());
        assertEquals(1L, pool.call("tp_secret_span:leak", null));
        String spans = tracer.ended.get(0).spans().toString();
        assertTrue(spans.contains("value=***"), spans);
        assertTrue(!spans.contains("sk-very-secret-123"), spans);
    }

    @Test
    void aTracerThatThrowsCostsOnlyItsTrace() {
        pool = TaipanPool.start(TestPools.config().workers(1).callTracer((function, session) -> {
            throw new IllegalStateException("tracer bug");
        }).build());
        assertEquals(3L, pool.call(T + "add", List.of(1, 2)));
        TracedCall throwsAtEnd = new TracedCall() {
            @Override
            public String traceparent() {
                return "00-" + TRACE + "-00f067aa0ba902b7-01";
            }

            @Override
            public void end(TaipanException error, List<Map<String, Object>> workerSpans) {
                throw new IllegalStateException("tracer bug at the end");
            }
        };
        pool.close();
        pool = TaipanPool.start(TestPools.config().workers(1).callTracer((f, s) -> throwsAtEnd).build());
        assertEquals(7L, pool.call(T + "add", List.of(3, 4)));
    }
}
