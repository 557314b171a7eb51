package dev.taipan.dspy;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A pool with the DSPy bridge and a local LM server, owned by one test class. */
final class DspyFixture implements AutoCloseable {
    final LocalLmServer server;
    final TaipanPool pool;
    final Dspy dspy;

    DspyFixture(int workers) {
        server = LocalLmServer.start(python());
        try {
            pool = TaipanPool.start(PoolConfig.builder().name("dspy-test").python(python())
                    .modules("taipan_worker.dspy", "taipan_testing.functions").workers(workers).slots(4)
                    .startTimeout(Duration.ofSeconds(90)).callTimeout(Duration.ofSeconds(120))
                    .drainTimeout(Duration.ofSeconds(2)).killTimeout(Duration.ofSeconds(2)).build());
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        dspy = Dspy.on(pool).lm(server.lm());
    }

    static String python() {
        String p = System.getProperty("taipan.python");
        if (p != null) {
            return requireExecutable(p);
        }
        Path here = Path.of("").toAbsolutePath();
        for (Path d = here; d != null; d = d.getParent()) {
            Path venv = d.resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return venv.toString();
            }
        }
        throw new IllegalStateException("no project venv: run bin/taipan setup");
    }

    /** A Python that was named but is missing fails the test: falling back to .venv would test another DSPy. */
    private static String requireExecutable(String python) {
        if (!Files.isExecutable(Path.of(python))) {
            throw new IllegalStateException("taipan.python is " + python + ", which is not an executable: run bin/taipan"
                    + " setup, or check TAIPAN_TEST_PYTHON");
        }
        return python;
    }

    @Override
    public void close() {
        try {
            pool.close();
        } finally {
            server.close();
        }
    }
}
