package dev.taipan.examples.triage;

import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import dev.taipan.dspy.LocalLmServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service over real HTTP, real workers running DSPy, the local LM server; the meters the
 * starter wires read from {@code /actuator/prometheus}, and the spans of a request kept in memory.
 */
@Tag("dspy")
@Tag("python")
// Metrics export and tracing are off in Spring Boot tests unless asked for.
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TriageApplicationTest {
    private static final String PYTHON = System.getProperty("taipan.python");
    private static final LocalLmServer LM = LocalLmServer.start(PYTHON);

    /** The request spans, in memory. Not a SpanExporter bean: the actuator would also batch to it. */
    record Spans(InMemorySpanExporter exporter) {
    }

    /**
     * Spans in memory, synchronously as each ends: a span processor, which the actuator adds to
     * the SDK it builds the OpenTelemetry bean from (the one the starter traces the pool with).
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class InMemorySpans {
        @Bean
        Spans spans() {
            return new Spans(InMemorySpanExporter.create());
        }

        @Bean
        SpanProcessor inMemorySpanProcessor(Spans spans) {
            return SimpleSpanProcessor.create(spans.exporter());
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("taipan.pool.python", () -> PYTHON);
        registry.add("taipan.dspy.api-base", LM::url);
        // Spawned workers: a replacement takes seconds (it imports DSPy), so DEGRADED is seen.
        registry.add("taipan.pool.start-mode", () -> "spawn");
    }

    @AfterAll
    static void stopLm() {
        LM.close();
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    TaipanPool pool;
    @Autowired
    Spans spans;

    private static final EnumSet<TriageService.Category> CATEGORIES = EnumSet.allOf(TriageService.Category.class);

    @SuppressWarnings("unchecked")
    private Map<String, Object> triage(String text) {
        ResponseEntity<Map> r = http.postForEntity("/triage", Map.of("ticket", text), Map.class);
        assertEquals(200, r.getStatusCode().value(), String.valueOf(r.getBody()));
        return r.getBody();
    }

    private static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what);
            }
            // Polls rather than spins: on a 2-core machine a spinning wait takes the CPU from
            // the application it waits for.
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // a poll's pace, not a synchronisation
        }
    }

    private String healthOfTaipan() {
        String body = http.getForEntity("/actuator/health", String.class).getBody();
        int at = body.indexOf("\"taipan\":{\"status\":\"");
        assertTrue(at >= 0, body);
        int start = at + "\"taipan\":{\"status\":\"".length();
        return body.substring(start, body.indexOf('"', start));
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);

    /** The sum of a meter's samples in Prometheus' text format whose labels include {@code labels}. */
    private static double sample(String prometheus, String name, String... labels) {
        double sum = 0;
        boolean found = false;
        Matcher m = SAMPLE.matcher(prometheus);
        while (m.find()) {
            String set = m.group(2) == null ? "" : m.group(2);
            if (m.group(1).equals(name) && java.util.Arrays.stream(labels).allMatch(set::contains)) {
                sum += Double.parseDouble(m.group(3));
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("no sample " + name + " with " + List.of(labels) + " in:\n" + prometheus.lines()
                    .filter(l -> l.startsWith("taipan_")).collect(Collectors.joining("\n")));
        }
        return sum;
    }

    private String prometheus() {
        return http.getForEntity("/actuator/prometheus", String.class).getBody();
    }

    @Test
    void triagesTicketsConcurrentlyThroughAWorkerKill() throws Exception {
        Map<String, Object> one = triage("I was charged twice for my subscription this month.");
        assertTrue(CATEGORIES.toString().contains(String.valueOf(one.get("category"))), one.toString());
        assertNotNull(one.get("priority"));
        assertFalse(String.valueOf(one.get("reply")).isBlank());
        assertEquals(400, http.postForEntity("/triage", Map.of("ticket", " "), String.class).getStatusCode().value());

        await("health UP", Duration.ofSeconds(60), () -> "UP".equals(healthOfTaipan()));
        String before = prometheus();
        double successesBefore = sample(before, "taipan_calls_seconds_count", "outcome=\"success\"", "pool=\"taipan\"");
        double lmCallsBefore = sample(before, "taipan_dspy_lm_calls_total", "model=\"openai/taipan-local\"");
        assertEquals(2, sample(before, "taipan_workers", "state=\"ready\"", "pool=\"taipan\""));

        // 32 concurrent requests, and a worker killed while they run: none may be lost.
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<CompletableFuture<Map<String, Object>>> replies = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String text = "Ticket " + i + ": the app crashes when I open settings.";
                replies.add(CompletableFuture.supplyAsync(() -> triage(text), clients));
            }
            WorkerInfo victim = pool.workers().get(0);
            new ProcessBuilder("kill", "-KILL", Long.toString(victim.pid())).inheritIO().start().waitFor();
            await("health DEGRADED after the kill", Duration.ofSeconds(30), () -> "DEGRADED".equals(healthOfTaipan()));
            for (CompletableFuture<Map<String, Object>> f : replies) {
                Map<String, Object> r = f.get();
                assertTrue(CATEGORIES.toString().contains(String.valueOf(r.get("category"))), r.toString());
            }
            await("health UP again", Duration.ofSeconds(90), () -> "UP".equals(healthOfTaipan()));
            assertTrue(pool.stats().workersReplaced() >= 1, pool.stats().toString());
        } finally {
            clients.shutdownNow();
        }

        // The meters the starter wired moved with the requests and the kill.
        String after = prometheus();
        assertTrue(after.contains("http_server_requests_seconds_count{") && after.contains("uri=\"/triage\""));
        assertTrue(sample(after, "taipan_calls_seconds_count", "outcome=\"success\"", "pool=\"taipan\"")
                >= successesBefore + 32, "every request ran its program once successfully");
        assertTrue(sample(after, "taipan_workers_replacements_total", "cause=\"killed\"", "pool=\"taipan\"") >= 1);
        assertTrue(sample(after, "taipan_dspy_lm_calls_total", "model=\"openai/taipan-local\"") >= lmCallsBefore + 32,
                "the LM cache is off: each request called the LM");
        assertEquals(2, sample(after, "taipan_workers", "state=\"ready\"", "pool=\"taipan\""));
    }

    @Test
    void aRequestIsOneTraceFromTheHttpServerToTheLmCall() {
        await("health UP", Duration.ofSeconds(60), () -> "UP".equals(healthOfTaipan()));
        spans.exporter().reset();
        triage("My password reset email never arrives.");
        // The HTTP server span ends after the reply is written: wait for it.
        await("the request's spans", Duration.ofSeconds(10), () -> spans.exporter().getFinishedSpanItems().stream()
                .anyMatch(s -> s.getKind() == SpanKind.SERVER && s.getName().contains("/triage")));
        List<SpanData> all = spans.exporter().getFinishedSpanItems();
        Map<String, SpanData> byId = all.stream().collect(Collectors.toMap(SpanData::getSpanId, s -> s));
        SpanData lm = all.stream().filter(s -> s.getName().startsWith("chat ")).findFirst()
                .orElseThrow(() -> new AssertionError("no LM span in " + names(all)));
        // From the LM call up to the root: each span's parent is the next of the chain.
        List<String> chain = new ArrayList<>();
        for (SpanData s = lm; s != null; s = byId.get(s.getParentSpanId())) {
            assertEquals(lm.getTraceId(), s.getTraceId(), names(all));
            chain.add(s.getKind() + " " + s.getName());
        }
        // The root is this test's own request: TestRestTemplate is observed too.
        assertEquals(6, chain.size(), chain.toString());
        assertEquals(List.of("CLIENT chat openai/taipan-local", "INTERNAL dspy.module Predict",
                "SERVER taipan.call taipan_worker.dspy:run", "CLIENT taipan.call taipan_worker.dspy:run",
                "SERVER http post /triage", "CLIENT http post"), chain);
        assertTrue(all.stream().allMatch(s -> s.getTraceId().equals(lm.getTraceId())), "one request, one trace: " + names(all));
    }

    private static String names(List<SpanData> spans) {
        return spans.stream().map(s -> s.getKind() + " " + s.getName() + " " + s.getTraceId().substring(0, 8))
                .collect(Collectors.joining(", "));
    }
}
