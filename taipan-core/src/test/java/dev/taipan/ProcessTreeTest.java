package dev.taipan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No process outlives the pool, whatever user code starts: a plain fork, a double-forked
 * daemon in a session of its own, a subprocess started in a new session. Each check is by pid,
 * against the real processes, in the start mode the suite runs in (TAIPAN_START_MODE).
 */
@Tag("python")
class ProcessTreeTest {
    private static final Duration GONE = Duration.ofSeconds(10);

    private static long start(TaipanPool pool, String starter) {
        long pid = ((Number) pool.call("taipan_testing.functions:" + starter, List.of(60))).longValue();
        assertFalse(TestPools.isGone(pid), starter + " should have left a running process " + pid);
        return pid;
    }

    @ParameterizedTest
    @ValueSource(strings = {"fork_sleeper", "double_fork_setsid", "popen_new_session"})
    void whatAWorkerStartedDiesWhenTheWorkerCrashes(String starter) {
        long pid;
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            pid = start(pool, starter);
            try {
                assertThrows(WorkerCrashedException.class, () -> pool.call("taipan_testing.functions:crash", List.of(3)));
                assertTrue(TestPools.eventually(GONE, () -> TestPools.isGone(pid)),
                        "process " + pid + " (" + starter + ") outlived its crashed worker");
            } finally {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fork_sleeper", "double_fork_setsid", "popen_new_session"})
    void whatAWorkerStartedDiesWhenTheWorkerIsKilled(String starter) {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            long worker = pool.workers().get(0).pid();
            long pid = start(pool, starter);
            try {
                ProcessHandle.of(worker).orElseThrow().destroyForcibly();
                assertTrue(TestPools.eventually(GONE, () -> TestPools.isGone(pid)),
                        "process " + pid + " (" + starter + ") outlived its SIGKILLed worker");
            } finally {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"fork_sleeper", "double_fork_setsid", "popen_new_session"})
    void nothingAWorkerStartedOutlivesClose(String starter) {
        long pid;
        TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build());
        try {
            pid = start(pool, starter);
        } finally {
            pool.close();
        }
        try {
            assertTrue(TestPools.isGone(pid), "process " + pid + " (" + starter + ") outlived pool.close()");
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void whatForkedWorkersStartedDiesWithTheirZygote() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).startMode(StartMode.ZYGOTE).build())) {
            long worker = pool.workers().get(0).pid();
            long daemon = start(pool, "double_fork_setsid");
            long child = start(pool, "fork_sleeper");
            try {
                long zygote = ProcessHandle.of(worker).orElseThrow().parent().orElseThrow().pid();
                ProcessHandle.of(zygote).orElseThrow().destroyForcibly();
                assertTrue(TestPools.eventually(GONE, () -> TestPools.isGone(daemon) && TestPools.isGone(child)),
                        "processes outlived the zygote of their worker");
            } finally {
                ProcessHandle.of(daemon).ifPresent(ProcessHandle::destroyForcibly);
                ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void nothingAWorkerStartedOutlivesItsJvmBeingKilled() throws Exception {
        Process child = ChildJvm.start(DaemonChildJvm.class, TestPools.python());
        List<Long> pids = new ArrayList<>();
        try {
            pids.addAll(ChildJvm.pidsUntilReady(child));
            assertEquals(4, pids.size(), "the child JVM did not report its worker and the worker's processes");
            assertTrue(pids.stream().noneMatch(TestPools::isGone), "all should be running: " + pids);
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            assertTrue(TestPools.eventually(GONE, () -> pids.stream().allMatch(TestPools::isGone)),
                    () -> "alive after their JVM was killed: " + pids.stream().filter(p -> !TestPools.isGone(p)).toList());
        } finally {
            child.destroyForcibly();
            pids.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
        }
    }
}
