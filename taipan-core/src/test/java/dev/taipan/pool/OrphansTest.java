package dev.taipan.pool;

import dev.taipan.TaipanPool;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrphansTest {
    @Test
    void onlyTaipanWorkersOfThisPoolWhoseParentIsGoneAreOrphans() throws Exception {
        long dead = deadPid();
        long me = ProcessHandle.current().pid();
        assertTrue(Orphans.isOrphanOf(List.of("python", "-m", "taipan_worker", "--pool-name", "p",
                "--parent-pid", Long.toString(dead)), "p"));
        assertFalse(Orphans.isOrphanOf(List.of("python", "-m", "taipan_worker", "--pool-name", "other",
                "--parent-pid", Long.toString(dead)), "p"), "another pool's");
        assertFalse(Orphans.isOrphanOf(List.of("python", "-m", "taipan_worker", "--pool-name", "p",
                "--parent-pid", Long.toString(me)), "p"), "a live pool's");
        assertFalse(Orphans.isOrphanOf(List.of("python", "-m", "something_else", "--pool-name", "p",
                "--parent-pid", Long.toString(dead)), "p"), "not a worker");
        assertFalse(Orphans.isOrphanOf(List.of("python", "-m", "taipan_worker", "--pool-name", "p"), "p"));
    }

    @Test
    @Tag("python")
    void startingAPoolEndsItsNamesakesOrphansAndNothingElse() throws Exception {
        long dead = deadPid();
        // Stand-ins with worker-like command lines that just wait (python -c ignores the rest).
        Process orphan = fake("orphan-test", dead);
        Process otherPool = fake("some-other-pool", dead);
        try {
            try (TaipanPool pool = TaipanPool.start(TestPools.config().name("orphan-test").workers(1).build())) {
                assertTrue(orphan.waitFor(10, TimeUnit.SECONDS), "the orphan was ended");
                assertTrue(otherPool.isAlive(), "another pool's process is untouched");
                assertTrue(pool.health().isServing());
            }
        } finally {
            orphan.destroyForcibly();
            otherPool.destroyForcibly();
        }
    }

    private static Process fake(String poolName, long parent) throws Exception {
        Process p = new ProcessBuilder(TestPools.python(), "-c", "import sys; sys.stdin.read()", "-m", "taipan_worker",
                "--pool-name", poolName, "--parent-pid", Long.toString(parent)).start();
        assertTrue(TestPools.eventually(Duration.ofSeconds(5),
                () -> p.info().arguments().map(a -> List.of(a).contains(poolName)).orElse(false)));
        return p;
    }

    /**
     * The pid of a process that has exited. The process is this JVM's own java, not a shell
     * tool such as {@code true}: the Java-only test layer must need nothing but a JDK.
     */
    private static long deadPid() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return p.pid();
    }
}
