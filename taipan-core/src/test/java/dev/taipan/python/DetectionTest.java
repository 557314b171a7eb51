package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * detect()'s order, on a staged machine: fake environments (directories with an executable
 * bin/python) and a fake PATH in a temp dir. Nothing here runs Python.
 */
class DetectionTest {
    @TempDir
    Path dir;

    private Path fakeEnv(String name) throws IOException {
        Path env = dir.resolve(name);
        executable(env.resolve("bin/python"));
        return env;
    }

    private static Path executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** Every way staged at once: a venv, a conda env, ./.venv and python3 on PATH. */
    private Map<String, String> everything(Path cwd) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("VIRTUAL_ENV", fakeEnv("venv").toString());
        env.put("CONDA_PREFIX", fakeEnv("conda").toString());
        executable(cwd.resolve(".venv/bin/python"));
        env.put("PATH", dir.resolve("empty") + ":" + executable(dir.resolve("usr/bin/python3")).getParent());
        return env;
    }

    @Test
    void anActivatedVirtualenvComesFirst() throws IOException {
        Path cwd = Files.createDirectories(dir.resolve("project"));
        Detection.Found f = Detection.detect(everything(cwd), cwd);
        assertEquals(Detection.Way.VIRTUAL_ENV, f.way());
        assertEquals(dir.resolve("venv/bin/python"), f.python());
        assertTrue(f.why().contains("VIRTUAL_ENV is set"), f.why());
    }

    @Test
    void thenCondaThenDotVenvThenPath() throws IOException {
        Path cwd = Files.createDirectories(dir.resolve("project"));
        Map<String, String> env = everything(cwd);
        env.remove("VIRTUAL_ENV");
        assertEquals(Detection.Way.CONDA_PREFIX, Detection.detect(env, cwd).way());
        assertEquals(dir.resolve("conda/bin/python"), Detection.detect(env, cwd).python());
        env.remove("CONDA_PREFIX");
        Detection.Found venv = Detection.detect(env, cwd);
        assertEquals(Detection.Way.DOT_VENV, venv.way());
        assertEquals(cwd.resolve(".venv/bin/python"), venv.python());
        Detection.Found onPath = Detection.detect(env, dir.resolve("elsewhere"));
        assertEquals(Detection.Way.PATH, onPath.way());
        assertEquals(dir.resolve("usr/bin/python3"), onPath.python());
        assertTrue(onPath.why().contains("python3 on PATH"), onPath.why());
    }

    @Test
    void aVariableNamingNoInterpreterIsPassedOverAndSaidSo() throws IOException {
        Path cwd = Files.createDirectories(dir.resolve("project"));
        Map<String, String> env = everything(cwd);
        env.put("VIRTUAL_ENV", Files.createDirectories(dir.resolve("gone")).toString());
        Detection.Found f = Detection.detect(env, cwd);
        assertEquals(Detection.Way.CONDA_PREFIX, f.way());
        assertTrue(f.why().contains("passed over: VIRTUAL_ENV=" + dir.resolve("gone") + " has no bin/python"), f.why());
    }

    @Test
    void nothingToFindIsATypedErrorThatSaysWhatWasTried() {
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> Detection.detect(Map.of("PATH", dir.toString()), dir));
        assertTrue(e.getMessage().contains("no Python found"), e.getMessage());
        assertTrue(e.getMessage().contains("no python3 on PATH"), e.getMessage());
        assertTrue(e.getMessage().contains("PythonEnvironment.interpreter"), e.getMessage());
    }
}
