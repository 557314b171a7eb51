package dev.taipan;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secret values never come back out: not in errors, tracebacks, stderr tails or config. */
class SecretsTest {
    private static final String SECRET = "sk-taipan-redaction-test-91f2";

    @Test
    void secretValuesAreRedactedFromEverythingTaipanShows() {
        PoolConfig config = TestPools.config().workers(1).secret("MY_API_KEY", SECRET).build();
        assertFalse(config.toString().contains(SECRET), config.toString());
        try (TaipanPool pool = TaipanPool.start(config)) {
            assertEquals(true, pool.call("taipan_worker.testing:env_has", List.of("MY_API_KEY")),
                    "the worker does get the secret");
            PythonException e = assertThrows(PythonException.class,
                    () -> pool.call("taipan_worker.testing:leak_env", List.of("MY_API_KEY")));
            String shown = e + e.pythonMessage() + e.pythonTraceback();
            assertFalse(shown.contains(SECRET), shown);
            assertTrue(e.pythonMessage().contains("***"), e.pythonMessage());
            pool.call("taipan_worker.testing:write_stderr", List.of("key=" + SECRET));
            WorkerCrashedException crash = assertThrows(WorkerCrashedException.class,
                    () -> pool.call("taipan_worker.testing:crash", Map.of("code", 1)));
            assertTrue(crash.stderrTail().contains("key=***"), crash.stderrTail());
            assertFalse((crash.getMessage() + crash.stderrTail()).contains(SECRET));
            assertFalse(pool.stats().toString().contains(SECRET));
            assertFalse(pool.health().toString().contains(SECRET));
        }
    }
}
