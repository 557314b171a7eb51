package dev.taipan.spring;

import dev.taipan.PoolConfigException;
import dev.taipan.PoolHealth;
import dev.taipan.StartMode;
import dev.taipan.TaipanPool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The starter in a real Spring Boot web application with real Python workers. */
@Tag("python")
class StarterTest {
    static final ConcurrentLinkedQueue<String> EVENTS = new ConcurrentLinkedQueue<>();

    @SpringBootApplication
    @RestController
    static class App {
        private final TaipanPool pool;

        App(TaipanPool pool) {
            this.pool = pool;
        }

        /** A request that holds a pool call for a while, to be in flight when shutdown begins. */
        @GetMapping("/slow")
        String slow() {
            EVENTS.add("request-started");
            pool.call("sleep", Map.of("seconds", 1.5));
            String status = pool.health().status().name();
            EVENTS.add("request-finished:" + status);
            return status;
        }
    }

    /** A real HTTP GET: the status and the body. */
    record Reply(int status, String body) {
    }

    static Reply get(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setReadTimeout(30_000);
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                return new Reply(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ConfigurableApplicationContext run(String... args) {
        SpringApplication app = new SpringApplication(App.class);
        app.addInitializers(ctx -> ctx.getBeanFactory().registerSingleton("recordingCustomizer",
                (TaipanPoolCustomizer) b -> b.listener(new dev.taipan.PoolListener() {
                    @Override
                    public void workerExited(String workerId, Integer exitCode, String reason) {
                        EVENTS.add("worker-exited");
                    }
                })));
        String[] all = new String[args.length + 4];
        all[0] = "--server.port=0";
        all[1] = "--server.shutdown=graceful";
        all[2] = "--taipan.pool.python=" + System.getProperty("taipan.python");
        all[3] = "--management.endpoints.web.exposure.include=health";
        System.arraycopy(args, 0, all, 4, args.length);
        return app.run(all);
    }

    @Test
    void propertiesConfigureThePoolAndHealthMapsItsStatus() throws Exception {
        try (ConfigurableApplicationContext ctx = run("--taipan.pool.workers=2", "--taipan.pool.name=starter",
                "--taipan.pool.call-timeout=45s", "--taipan.pool.start-mode=SPAWN",
                "--management.endpoint.health.show-details=always")) {
            TaipanPool pool = ctx.getBean(TaipanPool.class);
            assertEquals("starter", pool.config().name());
            assertEquals(2, pool.config().workers());
            assertEquals(Duration.ofSeconds(45), pool.config().callTimeout());
            assertEquals(StartMode.SPAWN, pool.config().startMode());
            assertFalse(ctx.containsBean("taipanDspy"), "no Dspy bean without taipan.dspy.model");

            String port = ctx.getEnvironment().getProperty("local.server.port");
            Reply health = get("http://127.0.0.1:" + port + "/actuator/health");
            assertEquals(200, health.status());
            assertTrue(health.body().contains("\"taipan\":{\"status\":\"UP\""), health.body());
            assertTrue(health.body().contains("all 2 workers ready"), health.body());
        }
    }

    @Test
    void everyPoolStatusHasItsSpringStatus() {
        assertEquals(Status.UP, TaipanHealthIndicator.status(PoolHealth.Status.HEALTHY));
        assertEquals("DEGRADED", TaipanHealthIndicator.status(PoolHealth.Status.DEGRADED).getCode());
        assertEquals("DEGRADED", TaipanHealthIndicator.status(PoolHealth.Status.SATURATED).getCode());
        assertEquals(Status.OUT_OF_SERVICE, TaipanHealthIndicator.status(PoolHealth.Status.STARTING));
        assertEquals(Status.DOWN, TaipanHealthIndicator.status(PoolHealth.Status.CIRCUIT_OPEN));
        assertEquals(Status.DOWN, TaipanHealthIndicator.status(PoolHealth.Status.CLOSED));
    }

    @Test
    void aBadPropertyStopsStartupNamingIt() {
        Throwable e = assertThrows(Exception.class, () -> run("--taipan.pool.workers=0").close());
        while (!(e instanceof PoolConfigException) && e.getCause() != null) {
            e = e.getCause();
        }
        assertEquals("taipan.pool.workers: must be between 1 and 1024, got 0", e.getMessage());
        Throwable u = assertThrows(Exception.class, () -> run("--taipan.pool.wrokers=2").close());
        while (!(u instanceof PoolConfigException) && u.getCause() != null) {
            u = u.getCause();
        }
        assertTrue(u.getMessage().startsWith("taipan.pool.wrokers: unknown property; the valid ones are"), u.getMessage());
    }

    @Test
    void thePoolDrainsOnlyAfterTheWebServerFinishedItsRequests() throws Exception {
        EVENTS.clear();
        ConfigurableApplicationContext ctx = run("--taipan.pool.workers=1");
        TaipanPool pool = ctx.getBean(TaipanPool.class);
        String port = ctx.getEnvironment().getProperty("local.server.port");
        CompletableFuture<Reply> inFlight = CompletableFuture.supplyAsync(() -> get("http://127.0.0.1:" + port + "/slow"));
        // A fresh application's first request can take seconds on a loaded machine; the wait
        // polls rather than spins, so it leaves the CPU to the request it waits for.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!EVENTS.contains("request-started") && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll's pace, not a synchronisation
        }
        assertTrue(EVENTS.contains("request-started"));
        ctx.close();   // graceful: waits for the request, then the pool
        Reply r = inFlight.get();
        assertEquals(200, r.status());
        assertEquals("HEALTHY", r.body(), "the pool was still open when the request finished");
        assertEquals(PoolHealth.Status.CLOSED, pool.health().status());
        List<String> order = List.copyOf(EVENTS);
        int finished = order.indexOf("request-finished:HEALTHY");
        int exited = order.indexOf("worker-exited");
        assertTrue(finished >= 0 && exited > finished, order.toString());
    }
}
