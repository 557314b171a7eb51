package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioning into a temp cache, for real (venv, pip or uv, PyPI). Kept small: only the
 * runtime's own requirement (msgpack, which has no dependencies and is in the installer's
 * cache after the first run), without the optional uvloop.
 */
@Tag("python")
class ProvisioningTest {
    @TempDir
    Path cache;

    private Provisioner provisioner(List<String> requirements) {
        return new Provisioner(new Provisioner.Spec(cache, Path.of(TestPools.python()), requirements, null,
                Duration.ofMinutes(5), Provisioner.RUNTIME_REQUIREMENTS, List.of()), RuntimeFiles.inThisJar());
    }

    private List<String> cacheEntries() throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static String run(Path python, String code) throws IOException {
        Tool.Result r = Tool.run(List.of(python.toString(), "-c", code), Map.of(), null, Duration.ofSeconds(60));
        assertTrue(r.ok(), r.output());
        return r.output().strip();
    }

    @Test
    void theFirstResolveBuildsAndTheSecondReusesWithoutInstalling() throws IOException {
        Provisioner.Provisioned first = provisioner(List.of()).provision();
        assertTrue(first.built());
        assertTrue(first.dir().startsWith(cache), first.dir().toString());
        String build = Provisioner.marker(first.dir()).getProperty("build");
        assertEquals(RuntimeFiles.inThisJar().sha256(), Provisioner.marker(first.dir()).getProperty("runtime.sha256"));
        // The worker runtime comes from the env's own extracted copy, not from the checkout.
        String where = run(first.python(), "import taipan_worker, msgpack; print(taipan_worker.__file__)");
        assertTrue(Path.of(where).startsWith(first.dir().resolve(Provisioner.RUNTIME_DIR)), where);

        Provisioner.Provisioned second = provisioner(List.of()).provision();
        assertFalse(second.built());
        assertEquals(first.dir(), second.dir());
        assertEquals(build, Provisioner.marker(second.dir()).getProperty("build"), "the marker was rewritten");
        // Different requirements: a different key, so another environment.
        assertEquals(List.of(first.dir().getFileName().toString(), first.dir().getFileName() + ".lock"), cacheEntries());
    }

    @Test
    void whereUvRunsItIsUvThatBuildsTheEnvironment(@TempDir Path tools) throws IOException {
        // A base interpreter with uv installed (PyPI ships it as a wheel): `python -m uv` runs.
        Path withUv = tools.resolve("with-uv");
        Tool.Result venv = Tool.run(List.of(TestPools.python(), "-m", "venv", withUv.toString()), Map.of(), null,
                Duration.ofMinutes(2));
        assertTrue(venv.ok(), venv.output());
        Path base = Detection.venvPython(withUv);
        Tool.Result pip = Tool.run(List.of(base.toString(), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                "uv"), Map.of(), null, Duration.ofMinutes(3));
        assertTrue(pip.ok(), pip.output());

        Provisioner.Provisioned env = new Provisioner(new Provisioner.Spec(cache, base, List.of(), null,
                Duration.ofMinutes(5), Provisioner.RUNTIME_REQUIREMENTS, List.of()), RuntimeFiles.inThisJar()).provision();
        assertTrue(env.built());
        assertEquals("uv", env.installer());
        assertEquals("uv", Provisioner.marker(env.dir()).getProperty("installer"));
        run(env.python(), "import taipan_worker, msgpack");
    }

    @Test
    void twoThreadsAskingAtOnceBuildOnceAndBothUseIt() throws Exception {
        CyclicBarrier together = new CyclicBarrier(2);
        Callable<Provisioner.Provisioned> ask = () -> {
            together.await();
            return provisioner(List.of()).provision();
        };
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            Future<Provisioner.Provisioned> a = two.submit(ask);
            Future<Provisioner.Provisioned> b = two.submit(ask);
            Provisioner.Provisioned pa = a.get();
            Provisioner.Provisioned pb = b.get();
            assertEquals(pa.dir(), pb.dir());
            assertNotEquals(pa.built(), pb.built(), "exactly one of them builds");
            run(pa.python(), "import taipan_worker, msgpack");
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void twoJvmsAskingAtOnceBuildOnceAndBothUseIt() throws Exception {
        // The other JVM holds no in-JVM lock of ours: only the lock file keeps the two builds apart.
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ProvisioningChildJvm.class.getName(), cache.toString(),
                TestPools.python()).redirectErrorStream(true).start();
        Provisioner.Provisioned here = provisioner(List.of()).provision();
        String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, child.waitFor(), out);
        assertTrue(out.contains("DIR " + here.dir()), out);
        boolean childBuilt = out.contains("BUILT true");
        assertTrue(childBuilt || out.contains("BUILT false"), out);
        assertNotEquals(here.built(), childBuilt, "exactly one of them builds: " + out);
        run(here.python(), "import taipan_worker, msgpack");
    }

    @Test
    void aHalfBuiltOrBrokenEnvironmentIsRebuiltNeverUsed() throws IOException {
        Provisioner.Provisioned first = provisioner(List.of()).provision();
        String firstBuild = Provisioner.marker(first.dir()).getProperty("build");

        // No marker: a build that was cut short (here: the marker removed), plus a crashed build's leftovers.
        Files.delete(first.dir().resolve(Provisioner.MARKER));
        Files.createDirectories(cache.resolve(first.dir().getFileName() + ".building-dead0000/bin"));
        Provisioner.Provisioned rebuilt = provisioner(List.of()).provision();
        assertTrue(rebuilt.built());
        String secondBuild = Provisioner.marker(rebuilt.dir()).getProperty("build");
        assertNotEquals(firstBuild, secondBuild);
        assertEquals(List.of(first.dir().getFileName().toString(), first.dir().getFileName() + ".lock"), cacheEntries());

        // A marker, but the runtime is gone: its python fails the import check.
        Provisioner.deleteTree(rebuilt.dir().resolve(Provisioner.RUNTIME_DIR));
        Provisioner.Provisioned again = provisioner(List.of()).provision();
        assertTrue(again.built());
        run(again.python(), "import taipan_worker, msgpack");
        assertNotEquals(secondBuild, Provisioner.marker(again.dir()).getProperty("build"));
    }

    @Test
    void aRequirementThatDoesNotExistIsATypedErrorAndLeavesNoEnvironment() throws IOException {
        String missing = "taipan-no-such-package-q7x==0.0.1";
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> provisioner(List.of(missing)).provision());
        assertTrue(e.getMessage().contains("taipan-no-such-package-q7x"), e.getMessage());
        assertTrue(e.getMessage().contains("Check the requirement's name and version"), e.getMessage());
        assertFalse(e.stderrTail().isEmpty());
        // Only the lock file: no environment and no build directory under any name.
        List<String> left = cacheEntries();
        assertEquals(1, left.size(), left.toString());
        assertTrue(left.get(0).endsWith(".lock"), left.toString());
    }

    @Test
    void aBaseInterpreterThatIsTooOldIsRefusedBeforeAnythingIsMade() throws IOException {
        Path old = cache.resolve("python2");
        Files.writeString(old, "#!/bin/sh\necho 3.8.18\necho /usr/bin/python3.8\n");
        old.toFile().setExecutable(true);
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class, () -> new Provisioner(
                new Provisioner.Spec(cache.resolve("envs"), old, List.of(), null, Duration.ofMinutes(1),
                        Provisioner.RUNTIME_REQUIREMENTS, List.of()), RuntimeFiles.inThisJar()).provision());
        assertTrue(e.getMessage().contains("is Python 3.8.18, but Taipan's worker needs 3.9 or newer"), e.getMessage());
        assertFalse(Files.exists(cache.resolve("envs")));
    }
}
