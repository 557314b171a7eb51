package dev.taipan.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What every example shares: finding the Python interpreter, starting the local LM server and
 * a small pool, and the line saying that the local server's answers are placeholders.
 */
public final class Examples {
    /** Printed by every example: the answers below are not a model's. */
    public static final String PLACEHOLDER_NOTE = "NOTE: the local LM server gives placeholder answers"
            + " (no model is consulted); the point is the Java code, not what the answers say.";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Examples() {
    }

    /**
     * The Python that has {@code taipan_worker[dspy]} installed: the system property
     * {@code taipan.python} (set by the Maven build for tests), else {@code $TAIPAN_PYTHON_EXEC},
     * else {@code .venv/bin/python} in the current directory or the nearest parent that has one.
     */
    public static String python() {
        String prop = System.getProperty("taipan.python");
        if (prop != null) {
            // A Python that was named but is missing is an error: falling back would run another DSPy.
            if (!Files.isExecutable(Path.of(prop))) {
                throw new IllegalStateException("taipan.python is " + prop + ", which is not an executable: run"
                        + " bin/taipan setup, or check TAIPAN_TEST_PYTHON");
            }
            return prop;
        }
        String env = System.getenv("TAIPAN_PYTHON_EXEC");
        if (env != null && !env.isBlank()) {
            return env;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path venv = d.resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return venv.toString();
            }
        }
        throw new IllegalStateException("no Python found: set TAIPAN_PYTHON_EXEC, or run bin/taipan setup"
                + " (which creates .venv) and start the example from inside the repository");
    }

    /** A small pool that can run DSPy programs (the bridge module {@code taipan_worker.dspy} allow-listed). */
    public static TaipanPool startPool(String python, int workers) {
        return TaipanPool.start(PoolConfig.builder()
                .name("examples")
                .python(python)
                .modules("taipan_worker.dspy")
                .workers(workers)
                .slots(4)
                .startTimeout(Duration.ofSeconds(90))
                .callTimeout(Duration.ofSeconds(120))
                .drainTimeout(Duration.ofSeconds(2))
                .killTimeout(Duration.ofSeconds(2))
                .build());
    }

    /**
     * What each example's {@code main} does: starts the local LM server and a one-worker pool,
     * gives {@code example} a {@link Dspy} bound to them, and closes everything afterwards.
     */
    public static void main(Consumer<Dspy> example) {
        // Keep the pool's INFO lines (worker start/stop) out of the example's output; -D... overrides.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String python = python();
        try (LocalLmServer server = LocalLmServer.start(python);
             TaipanPool pool = startPool(python, 1)) {
            Dspy dspy = Dspy.on(pool).lm(server.lm());
            example.accept(dspy);
        }
    }

    /** Prints the example's title, what it shows, and the placeholder note. */
    static void header(java.io.PrintStream out, String title, String what) {
        out.println("== " + title + " ==");
        out.println(what);
        out.println(PLACEHOLDER_NOTE);
        out.println();
    }

    /** How many demos a program's DSPy state holds, summed over all its predictors. */
    public static int demoCount(String stateJson) {
        try {
            int n = 0;
            for (JsonNode demos : JSON.readTree(stateJson).findValues("demos")) {
                n += demos.size();
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
