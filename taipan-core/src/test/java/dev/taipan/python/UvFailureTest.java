package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;
import dev.taipan.TestPools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioning with uv as the installer, when it fails: a requirement that does not exist, no
 * package index, a uv that is broken. The same promises as the pip path's tests
 * ({@link ProvisioningTest}, {@link ProvisioningFailureTest}): a {@link PythonEnvironmentException}
 * naming the requirement, the index or the uv, with what to do, and nothing left under the
 * environment's name. The real uv comes from PyPI (it ships as a wheel), installed once for the
 * class into a venv whose {@code python -m uv} the provisioner finds.
 */
@Tag("python")
class UvFailureTest {
    private static final String SECRET = "uv-s3cr3t-t0ken";

    @TempDir
    static Path tools;
    private static Path withUv;

    @TempDir
    Path cache;

    @BeforeAll
    static void installUv() throws IOException {
        Path venv = tools.resolve("with-uv");
        Tool.Result made = Tool.run(List.of(TestPools.python(), "-m", "venv", venv.toString()), Map.of(), null,
                Duration.ofMinutes(2));
        assertTrue(made.ok(), made.output());
        withUv = Detection.venvPython(venv);
        Tool.Result pip = Tool.run(List.of(withUv.toString(), "-m", "pip", "install", "-q",
                "--disable-pip-version-check", "uv"), Map.of(), null, Duration.ofMinutes(3));
        assertTrue(pip.ok(), pip.output());
    }

    private static Provisioner.Spec spec(Path cache, Path base, List<String> requirements) {
        return new Provisioner.Spec(cache, base, requirements, null, Duration.ofMinutes(5),
                Provisioner.RUNTIME_REQUIREMENTS, List.of());
    }

    /** Only the lock file may be left: no environment, no build directory. */
    private void assertOnlyTheLockIsLeft(Path dir) throws IOException {
        List<String> left;
        try (Stream<Path> s = Files.list(dir)) {
            left = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        assertEquals(1, left.size(), left.toString());
        assertTrue(left.get(0).endsWith(".lock"), left.toString());
    }

    /** This JVM's environment without a uv on PATH, so that the base interpreter's uv is the one. */
    private static Map<String, String> envWithPath(String path) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PATH", path);
        return env;
    }

    @Test
    void aRequirementThatDoesNotExistIsNamedWithWhatToCheck() throws IOException {
        String missing = "taipan-no-such-package-uv7==0.0.1";
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> new Provisioner(spec(cache, withUv, List.of(missing)), RuntimeFiles.inThisJar(), Disk.REAL,
                        envWithPath("/usr/bin:/bin")).provision());
        assertTrue(e.getMessage().startsWith("cannot install msgpack>=1.0,<2, " + missing + " (exit "),
                e.getMessage());
        // uv's own words, then ours.
        assertTrue(e.getMessage().contains("taipan-no-such-package-uv7 was not found in the package registry"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Check the requirement's name and version"), e.getMessage());
        assertFalse(e.getMessage().contains("could not be reached"), e.getMessage());
        assertFalse(e.stderrTail().isEmpty());
        assertOnlyTheLockIsLeft(cache);
    }

    @Test
    void withoutThePackageIndexTheErrorNamesTheIndexFromUvIndexUrl() throws Exception {
        // Another JVM: the index reaches uv as a user's setting does, through the environment.
        // Nothing listens on port 9; the credentials are there to be masked.
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.log.dev.taipan=debug", "-cp", System.getProperty("java.class.path"),
                ProvisioningChildJvm.class.getName(), cache.toString(), withUv.toString()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        List.of("UV_DEFAULT_INDEX", "UV_INDEX", "UV_FIND_LINKS", "UV_EXTRA_INDEX_URL", "UV_OFFLINE",
                "PIP_INDEX_URL", "PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL").forEach(env::remove);
        env.put("PATH", "/usr/bin:/bin");
        env.put("UV_INDEX_URL", "http://taipan:" + SECRET + "@127.0.0.1:9/simple");
        env.put("UV_NO_CONFIG", "1");
        // No cache: a msgpack wheel cached by an earlier run would install without the index.
        env.put("UV_NO_CACHE", "1");
        env.put("UV_HTTP_RETRIES", "0");
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(3, child.waitFor(), out);

        assertTrue(out.contains("ERROR " + PythonEnvironmentException.class.getName()), out);
        assertTrue(out.contains("cannot install msgpack>=1.0,<2"), out);
        assertTrue(out.contains("The package index (http://***@127.0.0.1:9/simple from UV_INDEX_URL) could not be "
                + "reached"), out);
        assertTrue(out.contains("UV_DEFAULT_INDEX for uv"), out);
        assertFalse(out.contains("Check the requirement's name"), "not a missing package: " + out);
        assertFalse(out.contains(SECRET), out);
        assertOnlyTheLockIsLeft(cache);
    }

    @Test
    void aUvThatCrashesIsNamedWithHowToRepairItOrDoWithout(@TempDir Path bin) throws IOException {
        // It answers --version, so it is chosen, then panics as a broken Rust binary does.
        Path uv = fakeUv(bin, "*--version*) echo 'uv 0.9.99'; exit 0 ;;\n"
                + "  *) echo \"thread 'main' panicked at crates/uv/src/lib.rs:1:1:\" >&2; echo 'boom' >&2; exit 101 ;;");
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> new Provisioner(spec(cache, Path.of(TestPools.python()), List.of()), RuntimeFiles.inThisJar(),
                        Disk.REAL, envWithPath(bin + ":/usr/bin:/bin")).provision());
        assertTrue(e.getMessage().startsWith("cannot create the venv (exit 101):"), e.getMessage());
        assertTrue(e.getMessage().contains("panicked"), e.getMessage());
        assertTrue(e.getMessage().contains("The installer was uv (" + uv + "), which crashed: if uv itself is "
                + "broken, reinstall it (pip install -U uv) or take it off PATH"), e.getMessage());
        assertTrue(e.getMessage().contains("Taipan uses venv and pip"), e.getMessage());
        assertOnlyTheLockIsLeft(cache);
    }

    @Test
    void aUvThatDoesNotEvenRunIsPassedOverForPip(@TempDir Path bin) throws IOException {
        // A uv built for another system: it cannot say its version, so pip builds the environment.
        fakeUv(bin, "*) echo 'cannot execute binary file: Exec format error' >&2; exit 126 ;;");
        Provisioner.Provisioned env = new Provisioner(spec(cache, Path.of(TestPools.python()), List.of()),
                RuntimeFiles.inThisJar(), Disk.REAL, envWithPath(bin + ":/usr/bin:/bin")).provision();
        assertTrue(env.built());
        assertEquals("pip", env.installer());
        Tool.Result r = Tool.run(List.of(env.python().toString(), "-c", "import taipan_worker, msgpack"), Map.of(),
                null, Duration.ofSeconds(60));
        assertTrue(r.ok(), r.output());
    }

    private static Path fakeUv(Path bin, String cases) throws IOException {
        Path uv = bin.resolve("uv");
        Files.writeString(uv, "#!/bin/sh\ncase \"$*\" in\n  " + cases + "\nesac\n");
        assertTrue(uv.toFile().setExecutable(true));
        return uv;
    }
}
