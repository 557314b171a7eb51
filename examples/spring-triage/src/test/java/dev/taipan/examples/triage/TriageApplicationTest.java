package dev.taipan.examples.triage;

import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import dev.taipan.dspy.LocalLmServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service over real HTTP, real workers running DSPy, the local LM server. */
@Tag("dspy")
@Tag("python")
// Metrics export is off in Spring Boot tests unless asked for: /actuator/prometheus needs it.
@AutoConfigureObservability
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TriageApplicationTest {
    private static final String PYTHON = System.getProperty("taipan.python");
    private static final LocalLmServer LM = LocalLmServer.start(PYTHON);

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
            Thread.onSpinWait();
        }
    }

    private String healthOfTaipan() {
        String body = http.getForEntity("/actuator/health", String.class).getBody();
        int at = body.indexOf("\"taipan\":{\"status\":\"");
        assertTrue(at >= 0, body);
        int start = at + "\"taipan\":{\"status\":\"".length();
        return body.substring(start, body.indexOf('"', start));
    }

    @Test
    void triagesTicketsConcurrentlyThroughAWorkerKill() throws Exception {
        Map<String, Object> one = triage("I was charged twice for my subscription this month.");
        assertTrue(CATEGORIES.toString().contains(String.valueOf(one.get("category"))), one.toString());
        assertNotNull(one.get("priority"));
        assertFalse(String.valueOf(one.get("reply")).isBlank());
        assertEquals(400, http.postForEntity("/triage", Map.of("ticket", " "), String.class).getStatusCode().value());

        await("health UP", Duration.ofSeconds(60), () -> "UP".equals(healthOfTaipan()));

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

        String prometheus = http.getForEntity("/actuator/prometheus", String.class).getBody();
        assertTrue(prometheus.contains("http_server_requests_seconds_count{") && prometheus.contains("uri=\"/triage\""),
                prometheus.length() > 400 ? prometheus.substring(0, 400) : prometheus);
    }
}
