package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("python")
class SessionsTest {
    @Test
    void aSessionKeepsStateOnOneWorkerAndSessionsAreSeparate() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(3).build());
             Session a = pool.openSession();
             Session b = pool.openSession()) {
            Object pidA = a.call("taipan_testing.functions:pid");
            List<CompletableFuture<Object>> fs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                fs.add(a.callAsync("taipan_testing.functions:counter", Map.of("by", 1)));
                assertEquals(pidA, a.call("taipan_testing.functions:pid"));
            }
            for (CompletableFuture<Object> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(51L, a.call("taipan_testing.functions:counter", Map.of("by", 1)));
            assertEquals(1L, b.call("taipan_testing.functions:counter"));
            assertTrue(pool.workers().stream().anyMatch(w -> w.id().equals(a.workerId()) && w.pid() == (Long) pidA));
            b.call("taipan_testing.functions:session_put", Map.of("key", "k", "value", List.of(1, "two")));
            assertEquals(List.of(1L, "two"), b.call("taipan_testing.functions:session_get", Map.of("key", "k")));
            assertEquals(2, pool.stats().sessions());
        }
    }

    @Test
    void closingASessionFreesItsPythonState() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            Session s = pool.openSession();
            s.call("taipan_testing.functions:counter");
            Map<?, ?> before = (Map<?, ?>) pool.call("info");
            assertEquals(1L, before.get("sessions"));
            s.close();
            assertFalse(s.isOpen());
            assertThrows(SessionClosedException.class, () -> s.call("taipan_testing.functions:counter"));
            assertTrue(TestPools.eventually(Duration.ofSeconds(5),
                    () -> Long.valueOf(0).equals(((Map<?, ?>) pool.call("info")).get("sessions"))));
            assertEquals(0, pool.stats().sessions());
            s.close(); // idempotent
        }
    }

    @Test
    void idleSessionsAreEvicted() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1)
                .sessionIdleTimeout(Duration.ofMillis(300)).build())) {
            Session s = pool.openSession();
            s.call("taipan_testing.functions:counter");
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> !s.isOpen()));
            SessionClosedException e = assertThrows(SessionClosedException.class,
                    () -> s.call("taipan_testing.functions:counter"));
            assertTrue(e.getMessage().contains("idle"), e.getMessage());
        }
    }

    @Test
    void whenTheSessionsWorkerDiesItsCallsFailWithSessionLost() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).build())) {
            Session s = pool.openSession();
            s.call("taipan_testing.functions:counter");
            CompletableFuture<Object> running = s.callAsync("taipan_testing.functions:block", List.of(30));
            long pid = (Long) s.call("taipan_testing.functions:pid");
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            SessionLostException lost = assertInstanceOf(SessionLostException.class, e.getCause());
            assertInstanceOf(WorkerCrashedException.class, lost.getCause());
            assertThrows(SessionLostException.class, () -> s.call("taipan_testing.functions:counter"));
            assertFalse(s.isOpen());
            // A new session starts from scratch on a live worker.
            try (Session fresh = pool.openSession()) {
                assertEquals(1L, fresh.call("taipan_testing.functions:counter"));
            }
        }
    }
}
