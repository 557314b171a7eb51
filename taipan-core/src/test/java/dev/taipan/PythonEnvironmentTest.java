package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PythonEnvironment as a user meets it: building one (no Python), and resolving and starting pools on it. */
class PythonEnvironmentTest {
    @TempDir
    Path dir;

    private static String rejection(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    @Test
    void badProvisioningSettingsFailAtBuildNamingTheSetting() {
        assertTrue(rejection(() -> PythonEnvironment.provisioned().requirements(" ").build()).contains("non-blank"));
        assertTrue(rejection(() -> PythonEnvironment.provisioned().requirements("--index-url=https://x").build())
                .contains("is an option"));
        assertTrue(rejection(() -> PythonEnvironment.provisioned().requirements("a\nb").build()).contains("one line"));
        assertTrue(rejection(() -> PythonEnvironment.provisioned().requirementsFile(dir.resolve("nope.txt")).build())
                .contains("nope.txt does not exist"));
        assertTrue(rejection(() -> PythonEnvironment.provisioned().timeout(Duration.ZERO).build()).contains("timeout"));
        assertTrue(rejection(() -> PythonEnvironment.command()).contains("at least the program"));
        assertTrue(rejection(() -> PythonEnvironment.command(" ", "python")).contains("start with a program"));
    }

    @Test
    void badDirectoryOrEditableSettingsFailAtBuildNamingThem() throws IOException {
        assertTrue(rejection(() -> PythonEnvironment.provisioned().editable(dir.resolve("no-project")).build())
                .contains("has no pyproject.toml or setup.py"));
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("pyproject.toml"), "[project]\nname = \"p\"\n");
        assertTrue(rejection(() -> PythonEnvironment.provisioned().editable(project, "test", "a]b").build())
                .contains("extra 'a]b' of " + project + " is not an extra's name"));
        assertTrue(rejection(() -> PythonEnvironment.provisioned().directory(Path.of("/")).build())
                .contains("file system root"));
        PythonEnvironment env = PythonEnvironment.provisioned().directory(dir.resolve(".venv"))
                .editable(project, "test", "dspy").build();
        assertTrue(env.description().startsWith("provisioned in " + dir.resolve(".venv") + " from"), env.description());
        assertTrue(env.description().contains("-e " + project + "[test, dspy]"), env.description());
        assertEquals(env, PythonEnvironment.provisioned().directory(dir.resolve(".venv")).editable(project, "test", "dspy")
                .build());
    }

    @Test
    void theCacheIsUnderTheHomeUnlessTaipanCacheDirSaysOtherwise() {
        assertEquals(Path.of("/home/u/.cache/taipan/envs"), PythonEnvironment.defaultCacheDirectory(Map.of(), "/home/u"));
        assertEquals(Path.of("/srv/envs"),
                PythonEnvironment.defaultCacheDirectory(Map.of("TAIPAN_CACHE_DIR", "/srv/envs"), "/home/u"));
        assertTrue(PythonEnvironment.provisioned().cacheDirectory(dir).build().description().contains(dir.toString()));
    }

    @Test
    void noCredentialInARequirementIsShownByTheConfig() {
        PythonEnvironment env = PythonEnvironment.provisioned().cacheDirectory(dir)
                .requirements("pkg @ https://user:s3cr3t-t0ken@example.org/pkg.whl").build();
        PoolConfig config = PoolConfig.builder().python(env).secret("API_KEY", "sk-live-123456").build();
        assertFalse(config.toString().contains("s3cr3t-t0ken"), config.toString());
        assertFalse(config.toString().contains("sk-live"), config.toString());
        assertTrue(config.toString().contains("https://***@example.org"), config.toString());
    }

    @Test
    @Tag("python")
    void anInterpreterResolvesToItselfWithItsVersion() {
        PythonEnvironment.Resolved r = PythonEnvironment.interpreter(Path.of(TestPools.python())).resolve();
        assertEquals(List.of(TestPools.python()), r.command());
        assertEquals(PythonEnvironment.Source.INTERPRETER, r.source());
        assertTrue(r.pythonVersion().startsWith("3."), r.pythonVersion());
        assertTrue(r.description().contains(TestPools.python()), r.description());
    }

    @Test
    @Tag("python")
    void aMissingInterpreterIsATypedErrorNamingIt() {
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> TaipanPool.start(TestPools.config().python(dir.resolve("no/python3")).build()));
        assertTrue(e.getMessage().contains(dir.resolve("no/python3").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("Install Python 3.9 or newer"), e.getMessage());
    }

    @Test
    @Tag("python")
    void anInterpreterOlderThan39IsRefusedBeforeAnyWorker() throws IOException {
        Path old = dir.resolve("python3.8");
        Files.writeString(old, "#!/bin/sh\necho 3.8.18\necho /usr/bin/python3.8\n");
        assertTrue(old.toFile().setExecutable(true));
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> TaipanPool.start(TestPools.config().python(old).build()));
        assertTrue(e.getMessage().contains("is Python 3.8.18, but Taipan's worker needs 3.9 or newer"), e.getMessage());
    }

    @Test
    @Tag("python")
    void aCommandThatIsNotAPathRunsTheWorkers() {
        // env(1) stands for a launcher such as "uv run" or "conda run -n env": words before the interpreter.
        PythonEnvironment launcher = PythonEnvironment.command("env", "LAUNCHED_BY_ENV=1", TestPools.python());
        assertEquals(PythonEnvironment.Source.COMMAND, launcher.resolve().source());
        try (TaipanPool pool = TaipanPool.start(TestPools.config().python(launcher).workers(1).build())) {
            assertEquals("1", pool.call("taipan_testing.functions:env_get", List.of("LAUNCHED_BY_ENV")));
        }
    }

    @Test
    @Tag("python")
    void aPoolStartsOnAProvisionedEnvironmentAndReusesIt() {
        // The whole path a user takes: nothing installed by hand, the runtime from this jar.
        PythonEnvironment env = PythonEnvironment.provisioned().cacheDirectory(dir)
                .baseInterpreter(Path.of(TestPools.python())).build();
        PoolConfig config = PoolConfig.builder().name("provisioned").python(env).workers(1)
                .startTimeout(Duration.ofSeconds(60)).build();
        try (TaipanPool pool = TaipanPool.start(config)) {
            assertEquals(List.of("hi", 2L), pool.call("echo", List.of(List.of("hi", 2))));
        }
        PythonEnvironment.Resolved again = env.resolve();
        assertEquals(PythonEnvironment.Source.PROVISIONED, again.source());
        assertTrue(again.command().get(0).startsWith(dir.toString()), again.command().toString());
        assertTrue(again.description().contains("reused"), again.description());
    }
}
