package dev.taipan.pool;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One version everywhere: the {@code -Drevision=} of {@code .mvn/maven.config} is the Maven
 * project version and what {@link TaipanVersion} reads at run time; the Python package leaves
 * its version to {@code python/setup.py}, which reads the same line (its value is checked by
 * {@code python/tests/test_version.py}).
 */
class TaipanVersionTest {
    private static Path repo() {
        String repo = System.getProperty("taipan.repo");
        assertNotNull(repo, "taipan.repo (set by the parent pom's surefire configuration)");
        return Path.of(repo);
    }

    private static String revision() throws IOException {
        List<String> words = Arrays.asList(Files.readString(repo().resolve(".mvn/maven.config")).split("\\s+"));
        List<String> revisions = words.stream().filter(w -> w.startsWith("-Drevision=")).toList();
        assertEquals(1, revisions.size(), ".mvn/maven.config sets -Drevision= once: " + words);
        return revisions.get(0).substring("-Drevision=".length());
    }

    @Test
    void theRuntimeVersionIsTheMavenVersionSetInMavenConfig() throws IOException {
        assertEquals(System.getProperty("taipan.version"), TaipanVersion.get(), "project.version of this build");
        assertEquals(revision(), TaipanVersion.get());
    }

    @Test
    void thePythonPackageTakesItsVersionFromTheSamePlace() throws IOException {
        String pyproject = Files.readString(repo().resolve("python/pyproject.toml"));
        assertTrue(pyproject.contains("dynamic = [\"version\"]"), "pyproject.toml leaves the version dynamic");
        assertFalse(pyproject.lines().anyMatch(l -> l.startsWith("version")), "no version of its own in pyproject.toml");
        assertTrue(Files.readString(repo().resolve("python/setup.py")).contains(".mvn"), "setup.py reads .mvn/maven.config");
    }

    @Test
    void aSnapshotIsADevReleaseInPython() {
        assertEquals("0.1.0.dev0", TaipanVersion.pythonVersion("0.1.0-SNAPSHOT"));
        assertEquals("1.2.3", TaipanVersion.pythonVersion("1.2.3"));
        assertEquals(TaipanVersion.pythonVersion(TaipanVersion.get()), TaipanVersion.pythonVersion());
    }
}
