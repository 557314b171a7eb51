package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start, listeners, independence of pools, and above all: no Python process outlives its pool. */
@Tag("python")
class LifecycleTest {
    @Test
    void closeLeavesNoWorkerProcessBehind() {
        List<Long> pids = new ArrayList<>();
        TaipanPool pool = TaipanPool.start(TestPools.config().workers(3).build());
        pool.workers().forEach(w -> pids.add(w.pid()));
        pool.callAsync("sleep", List.of(30)); // one call that will not finish in time
        pool.close();
        assertEquals(3, pids.size());
        for (long pid : pids) {
            assertTrue(TestPools.isGone(pid), "worker " + pid + " survived close()");
        }
        assertEquals(PoolHealth.Status.CLOSED, pool.health().status());
    }

    @Test
    void poolsInOneJvmAreIndependent() {
        try (TaipanPool a = TaipanPool.start(TestPools.config().name("a").workers(1).build());
             TaipanPool b = TaipanPool.start(TestPools.config().name("b").workers(1).build())) {
            assertNotEquals(a.workers().get(0).pid(), b.workers().get(0).pid());
            ProcessHandle.of(a.workers().get(0).pid()).orElseThrow().destroyForcibly();
            assertEquals("pong", b.call("ping"));
            assertEquals(0L, b.stats().workersReplaced());
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> a.stats().workersReplaced() == 1
                    && a.stats().ready() == 1), () -> a.health().toString());
            assertEquals("pong", a.call("ping"));
        }
    }

    @Test
    void theListenerSeesWorkersAndCalls() {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        PoolListener listener = new PoolListener() {
            @Override
            public void workerStarting(String workerId) {
                events.add("starting " + workerId);
            }

            @Override
            public void workerReady(WorkerInfo worker, Duration startTime) {
                events.add("ready " + worker.id());
            }

            @Override
            public void workerExited(String workerId, Integer exitCode, String reason) {
                events.add("exited " + workerId + " " + exitCode);
            }

            @Override
            public void workerReplaced(String oldId, String newId) {
                events.add("replaced " + oldId + " " + newId);
            }

            @Override
            public void callCompleted(String function, String workerId, Duration d, Outcome outcome) {
                events.add("call " + function + " " + outcome);
                throw new IllegalStateException("listeners that throw must not break the pool");
            }
        };
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).listener(listener).build())) {
            pool.call("ping");
            try {
                pool.call("taipan_testing.functions:crash", List.of(3));
            } catch (WorkerCrashedException expected) {
                // The crash is the point.
            }
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> events.contains("replaced w-1 w-2")),
                    events::toString);
        }
        assertTrue(events.containsAll(List.of("starting w-1", "ready w-1", "call ping SUCCESS",
                "call taipan_testing.functions:crash WORKER_LOST", "exited w-1 3", "starting w-2", "ready w-2")),
                events.toString());
    }

    @Test
    void noWorkerSurvivesItsJvmBeingKilledWithSigkill() throws Exception {
        Process child = ChildJvm.start(ChildJvmPool.class, TestPools.python());
        List<Long> pids = new ArrayList<>();
        try {
            pids.addAll(ChildJvm.pidsUntilReady(child));
            assertEquals(4, pids.size(), "child did not report its workers");
            for (long pid : pids) {
                assertTrue(ProcessHandle.of(pid).isPresent(), "worker " + pid + " should be running");
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            assertTrue(TestPools.eventually(Duration.ofSeconds(5), () -> pids.stream().allMatch(TestPools::isGone)),
                    () -> "workers still alive 5 s after their JVM was killed: "
                            + pids.stream().filter(p -> !TestPools.isGone(p)).toList());
        } finally {
            child.destroyForcibly();
            pids.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
        }
    }
}
