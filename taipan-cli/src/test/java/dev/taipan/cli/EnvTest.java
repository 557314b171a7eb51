package dev.taipan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.cli.TestedVersions.Versions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.taipan.cli.Captured.run;
import static dev.taipan.cli.Captured.venvPython;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code taipan env}, the pins it compares with, and the choice of interpreter it explains. */
class EnvTest {
    @Test
    void envNamesTheInterpreterWhyAndThePackagesAsTested() throws Exception {
        String python = venvPython();
        Captured r = run("env", "--python", python);
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().startsWith("python       " + python + "\n"), r.out());
        assertTrue(r.out().contains("  chosen by  --python\n"), r.out());
        String version = new String(new ProcessBuilder(python, "-c", "import platform; print(platform.python_version())")
                .start().getInputStream().readAllBytes()).strip();
        assertTrue(r.out().contains("  version    " + version + " (CPython, linux)"), r.out());
        // The venv is what bin/taipan setup installs: the locked versions, so all of them are "ok".
        for (String module : new String[] {"taipan_worker", "msgpack", "uvloop", "dspy"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  " + module + " ") && l.contains(" ok ")),
                    module + " in:\n" + r.out());
        }
        assertTrue(r.out().contains("(accepts >=3.3.0,<4"), "dspy's range from python/pyproject.toml:\n" + r.out());

        Captured json = run("env", "--python", python, "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode n = new ObjectMapper().readTree(json.out());
        assertEquals(python, n.path("python").path("executable").asText());
        assertEquals(version, n.path("python").path("version").asText());
        assertEquals(dev.taipan.pool.TaipanVersion.pythonVersion(),
                n.path("packages").path("taipan_worker").path("installed").asText());
        assertEquals("ok", n.path("packages").path("dspy").path("verdict").asText());
    }

    @Test
    void anInterpreterThatCannotRunIsOneErrorAndExit1() {
        Captured r = run("env", "--python", "/nonexistent/python3");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: cannot run /nonexistent/python3 (chosen by --python): "), r.err());
    }

    @Test
    void theBundledPinsAreThoseOfPyprojectToml() throws Exception {
        Path pyproject = Path.of(System.getProperty("taipan.repo"), "python", "pyproject.toml");
        assertEquals(Files.readString(pyproject).length(), new String(TestedVersions.class
                .getResourceAsStream(TestedVersions.RESOURCE).readAllBytes()).length(), "the jar's copy is current");
        TestedVersions pins = TestedVersions.bundled();
        assertEquals(">=1.0,<2", pins.of("msgpack").specifier());
        Path lock = Path.of(System.getProperty("taipan.repo"), "python", "requirements-lock.txt");
        String lockedDspy = Files.readAllLines(lock).stream().filter(l -> l.startsWith("dspy=="))
                .findFirst().orElseThrow().substring("dspy==".length());
        assertTrue(pins.of("dspy").specifier().startsWith(">=3."), pins.of("dspy").specifier());
        assertEquals(lockedDspy, pins.of("dspy").tested(), "the tested version is the lock file's");
        assertEquals("python_version >= '3.10'", pins.of("dspy").marker());
        assertEquals("==" + dev.taipan.pool.TaipanVersion.pythonVersion(), pins.of("taipan_worker").specifier());
        assertTrue(pins.of("uvloop").specifier().startsWith(">="));
        assertEquals(">=3.4.0", pins.of("optuna").specifier(), "a name quoted in a comment is not a pin");
    }

    @Test
    void versionsAndMarkersAreComparedAsPep440AndPep508Say() {
        assertTrue(Versions.satisfies("3.10.1", ">=3.9"));
        assertFalse(Versions.satisfies("3.9", ">=3.10"), "numbers, not strings");
        assertTrue(Versions.satisfies("1.1.2", "<2"));
        assertTrue(Versions.satisfies("3.4.1", "==3.4.1"));
        assertFalse(Versions.satisfies("3.4.0", "==3.4.1"));
        assertTrue(Versions.satisfies("3.4.7", "==3.4.*"));
        assertTrue(Versions.satisfies("1.4.5", "~=1.4.2"));
        assertFalse(Versions.satisfies("1.5.0", "~=1.4.2"));
        TestedVersions.Requirement dspy = new TestedVersions.Requirement("dspy", ">=3.3.0,<4", "python_version >= '3.10'", "3.4.1");
        Map<String, String> py39 = Map.of("python_version", "3.9", "sys_platform", "linux");
        assertFalse(dspy.appliesTo(py39));
        assertTrue(dspy.appliesTo(Map.of("python_version", "3.12")));
        PythonPackages old = new PythonPackages("python3", "3.9.18", "CPython", "linux", Map.of(), null);
        assertEquals(PackageCheck.Verdict.NOT_NEEDED, PackageCheck.of("dspy", null, dspy, old).verdict());
        PythonPackages now = new PythonPackages("python3", "3.11.7", "CPython", "linux", Map.of(), null);
        assertEquals(PackageCheck.Verdict.MISSING, PackageCheck.of("dspy", null, dspy, now).verdict());
        assertEquals(PackageCheck.Verdict.ACCEPTED, PackageCheck.of("dspy", "3.3.0", dspy, now).verdict());
        assertEquals(PackageCheck.Verdict.DIFFERS, PackageCheck.of("dspy", "3.2.1", dspy, now).verdict());
        assertEquals(PackageCheck.Verdict.OK, PackageCheck.of("dspy", "3.4.1", dspy, now).verdict());
    }

    @Test
    void theInterpreterIsChosenInOrderAndSaysWhy(@org.junit.jupiter.api.io.TempDir Path home) throws Exception {
        assertEquals(new PythonChoice("/opt/py", "--python"), PythonChoice.of("/opt/py", Map.of("TAIPAN_PYTHON_EXEC", "/x")));
        assertEquals(new PythonChoice("/x", "$TAIPAN_PYTHON_EXEC"), PythonChoice.of(null, Map.of("TAIPAN_PYTHON_EXEC", "/x")));
        PythonChoice none = PythonChoice.of(null, Map.of("TAIPAN_HOME", home.toString()));
        assertEquals("python3", none.executable());
        assertTrue(none.why().startsWith("the default: python3 from PATH"), none.why());
        Path venv = Files.createDirectories(home.resolve(".venv/bin")).resolve("python");
        Files.createFile(venv).toFile().setExecutable(true);
        assertEquals(new PythonChoice(venv.toString(), "the project venv ($TAIPAN_HOME/.venv)"),
                PythonChoice.of(null, Map.of("TAIPAN_HOME", home.toString())));
        assertNull(PythonChoice.home(Map.of()));
    }
}
