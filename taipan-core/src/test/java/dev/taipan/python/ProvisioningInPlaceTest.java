package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioning into a given directory (a project's {@code .venv}) and with editable projects,
 * for real: venv and pip (or uv), the installer's cache warm after the first run.
 */
@Tag("python")
class ProvisioningInPlaceTest {
    @TempDir
    Path work;

    private Provisioner.Provisioned provision(Path dir, Path requirementsFile, List<Provisioner.Editable> editables) {
        return new Provisioner(new Provisioner.Spec(work.resolve("unused-cache"), Path.of(TestPools.python()),
                List.of(), requirementsFile, Duration.ofMinutes(5), Provisioner.RUNTIME_REQUIREMENTS, List.of(), dir,
                editables), RuntimeFiles.inThisJar()).provision();
    }

    private static String run(Path python, String code) throws IOException {
        Tool.Result r = Tool.run(List.of(python.toString(), "-c", code), Map.of(), null, Duration.ofSeconds(60));
        assertTrue(r.ok(), r.output());
        return r.output().strip();
    }

    private static String build(Path dir) {
        return Provisioner.marker(dir).getProperty("build");
    }

    /** A small setuptools project with one module, {@code probe_pkg}, that says {@code word}. */
    private Path project(String word) throws IOException {
        Path p = work.resolve("probe-project");
        Files.createDirectories(p.resolve("probe_pkg"));
        Files.writeString(p.resolve("pyproject.toml"), "[build-system]\nrequires = [\"setuptools>=61\"]\n"
                + "build-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"probe-pkg\"\nversion = \"1.0\"\n"
                + "\n[tool.setuptools]\npackages = [\"probe_pkg\"]\n");
        Files.writeString(p.resolve("probe_pkg/__init__.py"), "WORD = '" + word + "'\n");
        return p;
    }

    @Test
    void theDirectoryItselfBecomesTheEnvironmentAndIsReusedUntilTheKeyChanges() throws IOException {
        Path dir = work.resolve("proj/.venv");
        Path lock = Files.writeString(work.resolve("lock.txt"), "# v1\n");
        Provisioner.Provisioned first = provision(dir, lock, List.of());
        assertTrue(first.built());
        assertEquals(dir, first.dir());
        assertEquals(Detection.venvPython(dir), first.python());
        assertTrue(Files.isRegularFile(dir.resolve("pyvenv.cfg")));
        String key = Provisioner.marker(dir).getProperty("key");
        String firstBuild = build(dir);
        assertEquals(64, key.length(), key);
        // The venv's own scripts name the directory they run from: it was built there, not moved.
        String prefix = run(first.python(), "import sys, taipan_worker, msgpack; print(sys.prefix)");
        assertEquals(dir.toRealPath(), Path.of(prefix).toRealPath());
        String pip = Files.readString(dir.resolve("bin/pip"), StandardCharsets.UTF_8);
        assertTrue(pip.lines().findFirst().orElse("").contains(dir.toString()), pip);
        assertFalse(Files.exists(work.resolve("unused-cache")), "nothing goes to the cache in directory mode");

        Provisioner.Provisioned again = provision(dir, lock, List.of());
        assertFalse(again.built());
        assertEquals(firstBuild, build(dir), "an unchanged key reuses the environment");

        // Another lock file: another key, and the same directory is rebuilt.
        Files.writeString(lock, "# v2\n");
        Provisioner.Provisioned rebuilt = provision(dir, lock, List.of());
        assertTrue(rebuilt.built());
        assertNotEquals(firstBuild, build(dir));
        assertNotEquals(key, Provisioner.marker(dir).getProperty("key"));
        run(rebuilt.python(), "import taipan_worker, msgpack");

        // A build cut short (no marker, a pyvenv.cfg): a venv, so it may be deleted and made again.
        Files.delete(dir.resolve(Provisioner.MARKER));
        assertTrue(provision(dir, lock, List.of()).built());
    }

    @Test
    void aNonEmptyDirectoryThatIsNeitherOursNorAVenvIsNeverDeleted() throws IOException {
        Path dir = Files.createDirectories(work.resolve("precious"));
        Path notes = Files.writeString(dir.resolve("notes.txt"), "keep me");
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> provision(dir, null, List.of()));
        assertTrue(e.getMessage().contains("refusing to delete " + dir), e.getMessage());
        assertTrue(e.getMessage().contains("Move it away, or choose another directory"), e.getMessage());
        assertEquals("keep me", Files.readString(notes));

        Path file = Files.writeString(work.resolve("a-file"), "x");
        PythonEnvironmentException notDir = assertThrows(PythonEnvironmentException.class,
                () -> provision(file, null, List.of()));
        assertTrue(notDir.getMessage().contains("is not a directory"), notDir.getMessage());
        assertEquals("x", Files.readString(file));

        // An empty directory is fine: it becomes the environment.
        Path empty = Files.createDirectories(work.resolve("empty"));
        assertTrue(provision(empty, null, List.of()).built());
    }

    @Test
    void anEditableProjectIsUsedFromItsSourcesAndOnlyItsMetadataIsInTheKey() throws IOException {
        Path project = project("one");
        Path dir = work.resolve("env");
        List<Provisioner.Editable> editables = List.of(new Provisioner.Editable(project, List.of()));
        Provisioner.Provisioned env = provision(dir, null, editables);
        assertTrue(env.built());
        String where = run(env.python(), "import probe_pkg; print(probe_pkg.__file__)");
        assertTrue(Path.of(where).startsWith(project.toRealPath()), where);
        // Not this project's runtime: the jar's copy is still extracted and used.
        assertTrue(Files.isDirectory(dir.resolve(Provisioner.RUNTIME_DIR)));

        // A source edit needs no rebuild (editable), and shows at once.
        Files.writeString(project.resolve("probe_pkg/__init__.py"), "WORD = 'two'\n");
        Provisioner.Provisioned same = provision(dir, null, editables);
        assertFalse(same.built());
        assertEquals("two", run(same.python(), "import probe_pkg; print(probe_pkg.WORD)"));

        // A metadata edit does.
        Files.writeString(project.resolve("pyproject.toml"), Files.readString(project.resolve("pyproject.toml"))
                .replace("version = \"1.0\"", "version = \"1.1\""));
        Provisioner.Provisioned rebuilt = provision(dir, null, editables);
        assertTrue(rebuilt.built());
        assertEquals("1.1", run(rebuilt.python(), "import importlib.metadata as m; print(m.version('probe-pkg'))"));
    }

    @Test
    void anEditableProjectHoldingTheWorkerRuntimeReplacesTheJarsCopy() throws IOException {
        Path python = TestPools.repo().resolve("python");
        Path dir = work.resolve("dev-venv");
        Provisioner.Provisioned env = provision(dir, null, List.of(new Provisioner.Editable(python, List.of())));
        assertTrue(env.built());
        String where = run(env.python(), "import taipan_worker; print(taipan_worker.__file__)");
        assertTrue(Path.of(where).startsWith(python.toRealPath()), where);
        assertFalse(Files.exists(dir.resolve(Provisioner.RUNTIME_DIR)), "no extracted runtime beside it");
        assertEquals("editable", Provisioner.marker(dir).getProperty("runtime"));
        assertNull(Provisioner.marker(dir).getProperty("runtime.sha256"));
    }
}
