package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secret values never come back out: not in errors, tracebacks, stderr tails or config. */
@Tag("python")
class SecretsTest {
    private static final String SECRET = "sk-taipan-redaction-test-91f2";

    @Test
    void secretValuesAreRedactedFromEverythingTaipanShows() {
        PoolConfig config = TestPools.config().workers(1).secret("MY_API_KEY", SECRET).build();
        assertFalse(config.toString().contains(SECRET), config.toString());
        try (TaipanPool pool = TaipanPool.start(config)) {
            assertEquals(true, pool.call("taipan_testing.functions:env_has", List.of("MY_API_KEY")),
                    "the worker does get the secret");
            PythonException e = assertThrows(PythonException.class,
                    () -> pool.call("taipan_testing.functions:leak_env", List.of("MY_API_KEY")));
            String shown = e + e.pythonMessage() + e.pythonTraceback();
            assertFalse(shown.contains(SECRET), shown);
            assertTrue(e.pythonMessage().contains("***"), e.pythonMessage());
            pool.call("taipan_testing.functions:write_stderr", List.of("key=" + SECRET));
            WorkerCrashedException crash = assertThrows(WorkerCrashedException.class,
                    () -> pool.call("taipan_testing.functions:crash", Map.of("code", 1)));
            assertTrue(crash.stderrTail().contains("key=***"), crash.stderrTail());
            assertFalse((crash.getMessage() + crash.stderrTail()).contains(SECRET));
            assertFalse(pool.stats().toString().contains(SECRET));
            assertFalse(pool.health().toString().contains(SECRET));
        }
    }

    @Test
    void secretsOfAnyLengthAreRedacted() {
        Map<String, String> secrets = Map.of("ONE_CHAR", "#", "TWO_CHARS", "%~", "FIVE_CHARS", "^qx7&");
        PoolConfig.Builder b = TestPools.config().workers(1);
        secrets.forEach(b::secret);
        try (TaipanPool pool = TaipanPool.start(b.build())) {
            for (Map.Entry<String, String> s : secrets.entrySet()) {
                PythonException e = assertThrows(PythonException.class,
                        () -> pool.call("taipan_testing.functions:leak_env", List.of(s.getKey())));
                String shown = e + e.pythonMessage() + e.pythonTraceback();
                assertFalse(shown.contains(s.getValue()), s.getKey() + ": " + shown);
                assertEquals("leaked ***", e.pythonMessage());
            }
            pool.call("taipan_testing.functions:write_stderr", List.of("keys=#,%~,^qx7&"));
            WorkerCrashedException crash = assertThrows(WorkerCrashedException.class,
                    () -> pool.call("taipan_testing.functions:crash", Map.of("code", 1)));
            assertTrue(crash.stderrTail().contains("keys=***,***,***"), crash.stderrTail());
        }
    }

    /** A 64-hex-digit value: what a worker token looks like. */
    private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}");

    @Test
    void secretsAndTokensAreInNoWorkersOrZygotesEnvironmentButPythonFindsTheSecrets() throws IOException {
        // HOME is also in this JVM's own environment: a secret of that name must not be inherited either.
        String home = System.getenv("HOME");
        assertTrue(home != null && !home.isEmpty(), "the test expects HOME in the JVM's environment");
        String other = "sk-home-replacement-4c1d";
        PoolConfig config = TestPools.config().workers(2).secret("MY_API_KEY", SECRET).secret("HOME", other)
                .env("PLAIN_SETTING", "plain-value").build();
        try (TaipanPool pool = TaipanPool.start(config)) {
            List<Long> pids = new ArrayList<>();
            for (WorkerInfo w : pool.workers()) {
                pids.add(w.pid());
                if (w.forked()) {
                    pids.add(ProcessHandle.of(w.pid()).orElseThrow().parent().orElseThrow().pid()); // its zygote
                }
            }
            assertEquals(config.startMode() == StartMode.ZYGOTE ? 4 : 2, pids.size(), pool.workers().toString());
            for (long pid : pids) {
                List<String> env = environ(pid);
                assertTrue(env.contains("PLAIN_SETTING=plain-value"), "plain variables stay in the environment");
                for (String entry : env) {
                    assertFalse(entry.contains(SECRET) || entry.contains(other), pid + " shows a secret: " + entry);
                    assertFalse(entry.startsWith("MY_API_KEY=") || entry.startsWith("HOME="), pid + ": " + entry);
                    assertFalse(entry.startsWith("TAIPAN_WORKER_TOKEN="), pid + ": " + entry);
                    assertFalse(TOKEN.matcher(entry).find(), pid + " shows what looks like a token: " + entry);
                }
            }
            for (int i = 0; i < 4; i++) {
                assertEquals(SECRET, pool.call("taipan_testing.functions:env_get", List.of("MY_API_KEY")));
                assertEquals(other, pool.call("taipan_testing.functions:env_get", List.of("HOME")));
                assertEquals("plain-value", pool.call("taipan_testing.functions:env_get", List.of("PLAIN_SETTING")));
            }
        }
    }

    /** The environment a process was started with, as the kernel shows it to other processes. */
    private static List<String> environ(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/environ"));
        List<String> out = new ArrayList<>();
        for (String s : new String(raw, StandardCharsets.UTF_8).split("\0")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
