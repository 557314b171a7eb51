package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What each start mode does to the process tree. The rest of the suite runs in both modes
 * (TAIPAN_START_MODE), so behaviour is covered there; this checks the modes really differ
 * and the zygote's own failure paths.
 */
class StartModeTest {
    private static final Duration HEAL = Duration.ofSeconds(30);

    private static long parentOf(long pid) {
        return ProcessHandle.of(pid).orElseThrow().parent().orElseThrow().pid();
    }

    private static String commandLine(long pid) {
        return ProcessHandle.of(pid).orElseThrow().info().arguments().map(a -> String.join(" ", a)).orElse("");
    }

    private static Set<Long> parents(TaipanPool pool) {
        return pool.workers().stream().map(w -> parentOf(w.pid())).collect(Collectors.toSet());
    }

    /**
     * Spawned workers: on Linux each runs below its own guardian (see process.py), a process
     * this JVM started with the worker's command line.
     */
    private static void assertSpawnedByThisJvm(TaipanPool pool) {
        for (WorkerInfo w : pool.workers()) {
            long parent = parentOf(w.pid());
            long above = parent == ProcessHandle.current().pid() ? parent : parentOf(parent);
            assertEquals(ProcessHandle.current().pid(), above, "worker " + w.pid() + " was not spawned by this JVM");
            if (parent != above) {
                assertTrue(commandLine(parent).contains("-m taipan_worker --socket"), commandLine(parent));
            }
        }
    }

    @Test
    @Tag("python")
    void zygoteModeForksEveryWorkerFromOneWarmParent() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(3).startMode(StartMode.ZYGOTE).build())) {
            Set<Long> parents = parents(pool);
            assertEquals(1, parents.size(), parents::toString);
            long zygote = parents.iterator().next();
            assertNotEquals(ProcessHandle.current().pid(), zygote);
            assertTrue(commandLine(zygote).contains("-m taipan_worker.zygote"), commandLine(zygote));
            assertTrue(commandLine(zygote).contains("--pool-name test"), commandLine(zygote));
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
            // Each forked worker is its own process with its own pid and process group.
            Set<Long> pids = pool.workers().stream().map(WorkerInfo::pid).collect(Collectors.toSet());
            assertEquals(3, pids.size());
            assertTrue(pool.workers().stream().allMatch(WorkerInfo::forked));
        }
    }

    @Test
    @Tag("python")
    void spawnModeStartsEveryWorkerFromTheJvm() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).startMode(StartMode.SPAWN).build())) {
            assertSpawnedByThisJvm(pool);
            assertTrue(pool.workers().stream().noneMatch(WorkerInfo::forked));
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
        }
    }

    @Test
    @Tag("python")
    void whenTheZygoteDiesItsWorkersDieAndThePoolHealsWithANewOne() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).startMode(StartMode.ZYGOTE).build())) {
            List<Long> before = pool.workers().stream().map(WorkerInfo::pid).collect(Collectors.toList());
            long zygote = parentOf(before.get(0));
            ProcessHandle.of(zygote).orElseThrow().destroyForcibly();

            assertTrue(TestPools.eventually(HEAL, () -> before.stream().allMatch(TestPools::isGone)),
                    "forked workers outlived their zygote");
            assertTrue(TestPools.eventually(HEAL, () -> pool.health().status() == PoolHealth.Status.HEALTHY
                    && pool.stats().ready() == 2
                    && pool.workers().stream().noneMatch(w -> before.contains(w.pid()))), () -> pool.health().toString());
            Set<Long> parents = parents(pool);
            assertEquals(1, parents.size());
            assertNotEquals(zygote, parents.iterator().next(), "a new zygote forks the replacements");
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
        }
    }

    @Test
    @Tag("python")
    void modulesThatStartThreadsAtImportAreSpawnedNotForked(@TempDir Path dir) throws IOException {
        // Forking a process with threads copies their locks in whatever state they are in.
        Files.writeString(dir.resolve("starts_a_thread.py"), String.join("\n",
                "import threading",
                "from taipan_worker import function",
                "_stop = threading.Event()",
                "threading.Thread(target=_stop.wait, daemon=True).start()",
                "@function",
                "def hello():",
                "    return 'hi'",
                ""));
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(2).startMode(StartMode.ZYGOTE)
                .pythonPath(dir).modules("starts_a_thread").build())) {
            assertSpawnedByThisJvm(pool);
            assertTrue(pool.workers().stream().noneMatch(WorkerInfo::forked));
            assertEquals("hi", pool.call("starts_a_thread:hello", List.of()));
        }
    }

    @Test
    void theDefaultComesFromTheEnvironmentAndBadValuesAreNamed() {
        StartMode expected = System.getenv(StartMode.ENV) == null ? StartMode.ZYGOTE
                : StartMode.parse(System.getenv(StartMode.ENV));
        assertEquals(expected, PoolConfig.builder().build().startMode());
        assertEquals(StartMode.SPAWN, StartMode.parse(" Spawn "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StartMode.parse("vfork"));
        assertTrue(e.getMessage().contains("'zygote' or 'spawn'"), e.getMessage());
    }
}
