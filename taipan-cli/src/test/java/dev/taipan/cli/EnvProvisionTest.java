package dev.taipan.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static dev.taipan.cli.Captured.run;
import static dev.taipan.cli.Captured.venvPython;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code taipan env provision}: what bin/taipan setup makes {@code .venv} with. */
class EnvProvisionTest {
    @TempDir
    Path work;

    @Test
    void aBadEditableOrMissingDirIsAUsageErrorNamingIt() {
        Captured noDir = run("env", "provision");
        assertEquals(2, noDir.code(), noDir.err());
        assertTrue(noDir.err().contains("--dir"), noDir.err());

        Captured noProject = run("env", "provision", "--dir", work.resolve("env").toString(), "-e",
                work.resolve("nothing-here") + "[test]");
        assertEquals(2, noProject.code(), noProject.err());
        assertTrue(noProject.err().contains("editable project " + work.resolve("nothing-here")
                + " has no pyproject.toml or setup.py"), noProject.err());
        assertEquals("", noProject.out());
    }

    @Test
    @Tag("python")
    void aForeignDirectoryIsRefusedAndKept() throws Exception {
        Path dir = Files.createDirectories(work.resolve("mine"));
        Files.writeString(dir.resolve("thesis.tex"), "years of work");
        Captured r = run("env", "provision", "--dir", dir.toString(), "--base", venvPython());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("error: refusing to delete " + dir), r.err());
        assertEquals("years of work", Files.readString(dir.resolve("thesis.tex")));
        assertEquals("", r.out());
    }

    @Test
    @Tag("python")
    void itMakesTheEnvironmentShowingTheProvisionersProgressAndReusesItAfter() throws Exception {
        Path dir = work.resolve("proj/.venv");
        Path lock = Files.writeString(work.resolve("lock.txt"), "msgpack>=1.0\n");
        // Its own JVM: the progress lines are log lines, whose levels are fixed once per JVM.
        CliProcess first = CliProcess.run("env", "provision", "--dir", dir.toString(), "--base", venvPython(),
                "-r", lock.toString());
        assertEquals(0, first.code(), first.err());
        assertEquals(dir.resolve("bin/python").toString(), first.out().strip());
        assertTrue(first.err().contains("creating environment " + dir + " from "), first.err());
        assertTrue(first.err().contains("installing msgpack>=1.0,<2 with -r " + lock), first.err());
        assertTrue(first.err().contains("environment " + dir + " ready in "), first.err());
        assertTrue(first.err().contains("(Python 3."), first.err());
        assertTrue(first.err().contains("created now"), first.err());
        Properties marker = new Properties();
        try (var in = Files.newBufferedReader(dir.resolve("taipan-env.properties"))) {
            marker.load(in);
        }
        assertEquals(64, marker.getProperty("key").length());

        CliProcess second = CliProcess.run("env", "provision", "--dir", dir.toString(), "--base", venvPython(),
                "-r", lock.toString());
        assertEquals(0, second.code(), second.err());
        assertTrue(second.err().contains("reused"), second.err());
        assertTrue(!second.err().contains("creating environment"), second.err());
    }
}
