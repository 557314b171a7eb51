package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** resize, recycleWorkers and the MXBean against real Python workers. */
@Tag("python")
class ResizeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** 16 callers echoing their own numbers until stopped; each result is checked. */
    private static final class Load implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final ExecutorService callers = Executors.newFixedThreadPool(16);
        final List<Future<Long>> done = new ArrayList<>();

        Load(TaipanPool pool) {
            for (int t = 0; t < 16; t++) {
                int caller = t;
                done.add(callers.submit(() -> {
                    long n = 0;
                    while (!stop.get()) {
                        List<Object> expected = List.of((long) caller, n);
                        Object got = pool.call("echo", List.of(expected));
                        assertEquals(expected, got);
                        n++;
                    }
                    return n;
                }));
            }
        }

        long finish() throws Exception {
            stop.set(true);
            long calls = 0;
            for (Future<Long> f : done) {
                calls += f.get(60, TimeUnit.SECONDS); // a failed call fails the test here
            }
            return calls;
        }

        @Override
        public void close() {
            stop.set(true);
            callers.shutdownNow();
        }
    }

    @Test
    void growsUnderLoadWithForkedWorkersThenShrinksWithNoFailedCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().name("resize-grow").workers(1).build());
             Load load = new Load(pool)) {
            pool.resize(3);
            assertEquals(3, pool.stats().targetWorkers());
            assertTrue(TestPools.eventually(WAIT, () -> pool.health().status() == PoolHealth.Status.HEALTHY
                    && pool.stats().ready() == 3), () -> pool.health().reason());
            // Grown workers start as the pool's start mode says: forked from its zygote, or spawned.
            boolean zygote = pool.config().startMode() == StartMode.ZYGOTE;
            assertTrue(pool.workers().stream().allMatch(w -> w.forked() == zygote), pool.workers().toString());

            pool.resize(1);
            assertTrue(TestPools.eventually(WAIT, () -> pool.stats().workers() == 1), () -> pool.stats().toString());
            assertTrue(load.finish() > 0);
            PoolStats s = pool.stats();
            assertEquals(0, s.callsFailed(), s.toString());
            assertEquals(0, s.workersReplaced(), "retired workers are not replaced");
            assertEquals(PoolHealth.Status.HEALTHY, pool.health().status());
        }
    }

    @Test
    void aSessionOnAShrunkWorkerKeepsWorkingAndTheWorkerLeavesWhenItCloses() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().name("resize-session").workers(2).build())) {
            Session a = pool.openSession();
            Session b = pool.openSession();
            assertEquals(2, pool.workers().stream().filter(w -> w.sessions() == 1).count());
            pool.resize(1);
            for (int i = 0; i < 5; i++) {
                assertEquals(List.of("a", (long) i), a.call("echo", List.of(List.of("a", i))));
                assertEquals(List.of("b", (long) i), b.call("echo", List.of(List.of("b", i))));
            }
            assertEquals(2, pool.stats().workers(), "no worker with a session is cut off");
            a.close();
            b.close();
            assertTrue(TestPools.eventually(WAIT, () -> pool.stats().workers() == 1), () -> pool.stats().toString());
            assertEquals(0, pool.stats().callsFailed());
        }
    }

    @Test
    void recycleWorkersUnderLoadChangesEveryWorkerWithNoFailedCall() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().name("resize-recycle").workers(2).build());
             Load load = new Load(pool)) {
            Set<String> before = pool.workers().stream().map(WorkerInfo::id).collect(Collectors.toSet());
            pool.recycleWorkers().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            Set<String> after = pool.workers().stream().map(WorkerInfo::id).collect(Collectors.toSet());
            assertEquals(2, after.size());
            assertTrue(after.stream().noneMatch(before::contains), before + " -> " + after);
            assertTrue(load.finish() > 0);
            assertEquals(0, pool.stats().callsFailed(), pool.stats().toString());
            assertEquals(2, pool.stats().workersRecycled());
        }
    }

    @Test
    void aResizeRacingAWorkersSigkillEndsAtTheTarget() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().name("resize-kill").workers(3).build())) {
            long pid = pool.workers().get(0).pid();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            pool.resize(2);
            assertTrue(TestPools.eventually(WAIT, () -> pool.stats().workers() == 2 && pool.stats().ready() == 2
                    && pool.health().status() == PoolHealth.Status.HEALTHY), () -> pool.health().reason());
            assertEquals("pong", pool.call("ping"));
            pool.resize(3);
            assertTrue(TestPools.eventually(WAIT, () -> pool.stats().ready() == 3), () -> pool.health().reason());
            assertEquals(3, pool.stats().workers());
        }
    }

    @Test
    void badArgumentsAreRefused() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().name("resize-bad").workers(1).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.resize(0));
            assertEquals("resize: workers must be between 1 and 1024, got 0", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pool.resize(PoolConfig.MAX_WORKERS + 1));
            assertEquals(1, pool.stats().targetWorkers());
        }
    }

    @Test
    void theMXBeanIsReadAndInvokedByObjectNameAndUnregisteredOnClose() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.taipan:type=Pool,name=resize-jmx");
        TaipanPool pool = TaipanPool.start(TestPools.config().name("resize-jmx").workers(1).registerMBean(true).build());
        try {
            assertTrue(server.isRegistered(name));
            assertEquals(1, server.getAttribute(name, "TargetWorkers"));
            assertEquals("HEALTHY", server.getAttribute(name, "HealthStatus"));
            assertEquals("pong", pool.call("ping"));
            assertEquals(1L, server.getAttribute(name, "CallsCompleted"));
            server.invoke(name, "resize", new Object[] {2}, new String[] {"int"});
            assertEquals(2, server.getAttribute(name, "TargetWorkers"));
            assertTrue(TestPools.eventually(WAIT, () -> pool.stats().ready() == 2), () -> pool.health().reason());
            server.invoke(name, "recycleWorkers", new Object[0], new String[0]);
            assertTrue(TestPools.eventually(WAIT, () -> pool.stats().workersRecycled() == 2
                    && pool.stats().workers() == 2), () -> pool.stats().toString());

            PoolStartException dup = assertThrows(PoolStartException.class, () -> TaipanPool.start(
                    TestPools.config().name("resize-jmx").workers(1).registerMBean(true).build()));
            assertTrue(dup.getMessage().contains("is already registered"), dup.getMessage());
        } finally {
            pool.close();
        }
        assertFalse(server.isRegistered(name));
    }
}
