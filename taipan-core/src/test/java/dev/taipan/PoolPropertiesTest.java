package dev.taipan;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code PoolConfig.from}: every property, every kind of bad input. Java only. */
class PoolPropertiesTest {
    private static final Map<String, String> HOST_ENV = Map.of("HOST_KEY", "sk-very-secret-value-123");

    private static PoolConfig parse(Map<String, ?> props) {
        return PoolProperties.parse(props, HOST_ENV::get);
    }

    private static PoolConfigException rejected(Map<String, ?> props) {
        return assertThrows(PoolConfigException.class, () -> parse(props));
    }

    @Test
    void everyOptionHasAPropertyAndParsesFromText() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("taipan.pool.name", "triage");
        p.put("taipan.pool.python", "/opt/py/bin/python3");
        p.put("taipan.pool.modules", "taipan_worker.dspy, app.handlers ,");
        p.put("taipan.pool.python-path", "/srv/a,/srv/b");
        p.put("taipan.pool.working-directory", "/srv/work");
        p.put("taipan.pool.socket-parent", "/run/taipan");
        p.put("taipan.pool.workers", "3");
        p.put("taipan.pool.slots", "8");
        p.put("taipan.pool.max-waiting", "50");
        p.put("taipan.pool.max-frame-bytes", "16MB");
        p.put("taipan.pool.lazy-start", "TRUE");
        p.put("taipan.pool.start-mode", "Spawn");
        p.put("taipan.pool.start-timeout", "2m");
        p.put("taipan.pool.call-timeout", "30s");
        p.put("taipan.pool.acquire-timeout", "500ms");
        p.put("taipan.pool.drain-timeout", "PT1M");
        p.put("taipan.pool.kill-timeout", "0");
        p.put("taipan.pool.session-idle-timeout", "1h");
        p.put("taipan.pool.restart-backoff", "250ms");
        p.put("taipan.pool.max-restart-backoff", "20s");
        p.put("taipan.pool.max-consecutive-start-failures", "7");
        p.put("taipan.pool.circuit-retry-interval", "45s");
        p.put("taipan.pool.shutdown-hook", "false");
        p.put("taipan.pool.heartbeat-interval", "0");
        p.put("taipan.pool.recycle-after-calls", "10000000000");
        p.put("taipan.pool.recycle-after", "1d");
        p.put("taipan.pool.recycle-above-rss", "2GiB");
        p.put("taipan.pool.stream-window", "64");
        p.put("taipan.pool.stream-window-bytes", "512KB");
        p.put("taipan.pool.env.LOG_LEVEL", "debug");
        p.put("taipan.pool.secret-from-env.OPENAI_API_KEY", "HOST_KEY");
        p.put("spring.application.name", "ignored: not a taipan.pool key");

        PoolConfig c = parse(p);
        assertEquals("triage", c.name());
        assertEquals(PythonEnvironment.interpreter(Path.of("/opt/py/bin/python3")), c.python());
        assertEquals(List.of("taipan_worker.dspy", "app.handlers"), c.modules());
        assertEquals(List.of(Path.of("/srv/a"), Path.of("/srv/b")), c.pythonPath());
        assertEquals(Path.of("/srv/work"), c.workingDirectory());
        assertEquals(Path.of("/run/taipan"), c.socketParent());
        assertEquals(3, c.workers());
        assertEquals(8, c.slots());
        assertEquals(50, c.maxWaiting());
        assertEquals(16 * 1024 * 1024, c.maxFrameBytes());
        assertTrue(c.lazyStart());
        assertEquals(StartMode.SPAWN, c.startMode());
        assertEquals(Duration.ofMinutes(2), c.startTimeout());
        assertEquals(Duration.ofSeconds(30), c.callTimeout());
        assertEquals(Duration.ofMillis(500), c.acquireTimeout());
        assertEquals(Duration.ofMinutes(1), c.drainTimeout());
        assertEquals(Duration.ZERO, c.killTimeout());
        assertEquals(Duration.ofHours(1), c.sessionIdleTimeout());
        assertEquals(Duration.ofMillis(250), c.restartBackoff());
        assertEquals(Duration.ofSeconds(20), c.maxRestartBackoff());
        assertEquals(7, c.maxConsecutiveStartFailures());
        assertEquals(Duration.ofSeconds(45), c.circuitRetryInterval());
        assertFalse(c.shutdownHook());
        assertEquals(Duration.ZERO, c.heartbeatInterval());
        assertEquals(10_000_000_000L, c.maxCallsPerWorker());
        assertEquals(Duration.ofDays(1), c.maxWorkerLifetime());
        assertEquals(2L * 1024 * 1024 * 1024, c.maxWorkerRssBytes());
        assertEquals(64, c.streamWindow());
        assertEquals(512 * 1024, c.streamWindowBytes());
        assertEquals("debug", c.environment().get("LOG_LEVEL"));
        assertEquals("sk-very-secret-value-123", c.environment().get("OPENAI_API_KEY"));
        assertEquals(java.util.Set.of("OPENAI_API_KEY"), c.secretNames());
        assertFalse(c.toString().contains("sk-very-secret"), c.toString());
    }

    @Test
    void theTableNamesEveryBuilderOptionButTheObjects() {
        // Every PoolConfig accessor (but listener and callbackExecutor, which are objects, and
        // environment/secretNames, which are the two families) has a property; remoteHosts has
        // seven besides its own (plain-tcp, lease, the five tls.*): nine with local-workers.
        List<String> names = PoolProperties.names();
        assertEquals(40, names.size(), names.toString());
        assertTrue(names.contains("taipan.pool.env.NAME") && names.contains("taipan.pool.secret-from-env.NAME"));
    }

    @Test
    void noPropertiesGiveTheBuildersDefaults() {
        PoolConfig c = parse(Map.of());
        PoolConfig d = PoolConfig.builder().build();
        assertEquals(d.toString(), c.toString());
        assertEquals(d.restartBackoff(), c.restartBackoff());
        // One back-off alone keeps the other's default.
        assertEquals(Duration.ofSeconds(10), parse(Map.of("taipan.pool.restart-backoff", "1s")).maxRestartBackoff());
    }

    @Test
    void propertiesAndTypedMapValuesWorkToo() {
        Properties props = new Properties();
        props.setProperty("taipan.pool.workers", "5");
        props.setProperty("other.key", "x");
        assertEquals(5, PoolConfig.from(props).workers());

        Map<String, Object> typed = new HashMap<>();
        typed.put("taipan.pool.workers", 4);
        typed.put("taipan.pool.call-timeout", Duration.ofSeconds(9));
        typed.put("taipan.pool.lazy-start", true);
        typed.put("taipan.pool.start-mode", StartMode.ZYGOTE);
        typed.put("taipan.pool.modules", List.of("a", "b.c"));
        typed.put("taipan.pool.recycle-above-rss", 4096L);
        PoolConfig c = PoolConfig.from(typed);
        assertEquals(4, c.workers());
        assertEquals(Duration.ofSeconds(9), c.callTimeout());
        assertTrue(c.lazyStart());
        assertEquals(StartMode.ZYGOTE, c.startMode());
        assertEquals(List.of("a", "b.c"), c.modules());
        assertEquals(4096L, c.maxWorkerRssBytes());
    }

    @Test
    void theRealEnvironmentIsReadForSecrets() {
        // PATH is set in every test JVM: a real System.getenv look-up, not the test's table.
        PoolConfig c = PoolConfig.from(Map.of("taipan.pool.secret-from-env.WORKER_PATH", "PATH"));
        assertEquals(System.getenv("PATH"), c.environment().get("WORKER_PATH"));
        assertTrue(c.secretNames().contains("WORKER_PATH"));
    }

    @Test
    void unknownKeysAreRejectedWithTheValidOnes() {
        PoolConfigException e = rejected(Map.of("taipan.pool.worker", "2"));
        assertEquals("taipan.pool.worker", e.setting());
        assertTrue(e.getMessage().startsWith("taipan.pool.worker: unknown property; the valid ones are "), e.getMessage());
        for (String name : PoolProperties.names()) {
            assertTrue(e.getMessage().contains(name), name);
        }
        // camelCase is not a second spelling.
        assertEquals("taipan.pool.maxWaiting", rejected(Map.of("taipan.pool.maxWaiting", "1")).setting());
    }

    @Test
    void valuesThatDoNotParseNameThePropertyAndWhatIsExpected() {
        String[][] cases = {
                {"taipan.pool.workers", "two", "an integer"},
                {"taipan.pool.workers", "2.5", "an integer"},
                {"taipan.pool.recycle-after-calls", "many", "an integer"},
                {"taipan.pool.lazy-start", "yes", "true or false"},
                {"taipan.pool.call-timeout", "30", "a duration"},
                {"taipan.pool.call-timeout", "30 seconds", "a duration"},
                {"taipan.pool.call-timeout", "-5s", "a duration"},
                {"taipan.pool.drain-timeout", "PT", "a duration"},
                {"taipan.pool.max-frame-bytes", "16 furlongs", "a byte size"},
                {"taipan.pool.recycle-above-rss", "99999999999999999999", "a byte size"},
                {"taipan.pool.start-mode", "thread", "zygote or spawn"},
                {"taipan.pool.socket-parent", " ", "a path"},
                {"taipan.pool.working-directory", "bad\0path", "a path"},
        };
        for (String[] c : cases) {
            PoolConfigException e = rejected(Map.of(c[0], c[1]));
            assertEquals(c[0], e.setting());
            assertTrue(e.getMessage().startsWith(c[0] + ": expected " + c[2]), e.getMessage());
            assertTrue(e.getMessage().contains("'" + c[1].trim() + "'"), e.getMessage());
        }
        Map<String, Object> wrongType = Map.of("taipan.pool.workers", Duration.ZERO);
        assertTrue(rejected(wrongType).getMessage().startsWith("taipan.pool.workers: expected an integer, got a Duration"));
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("taipan.pool.slots", null);
        assertTrue(rejected(nullValue).getMessage().startsWith("taipan.pool.slots: has no value"));
    }

    @Test
    void theBuildersChecksAreTheOnesAndNameTheProperty() {
        assertEquals("taipan.pool.workers: must be between 1 and 1024, got 0",
                rejected(Map.of("taipan.pool.workers", "0")).getMessage());
        String[][] cases = {
                {"taipan.pool.name", "has space"},
                {"taipan.pool.python", " "},
                {"taipan.pool.modules", "not a module"},
                {"taipan.pool.slots", "0"},
                {"taipan.pool.max-waiting", "-1"},
                {"taipan.pool.max-frame-bytes", "10"},
                {"taipan.pool.max-consecutive-start-failures", "0"},
                {"taipan.pool.stream-window", "0"},
                {"taipan.pool.stream-window-bytes", "1"},
                {"taipan.pool.recycle-after-calls", "-1"},
                {"taipan.pool.start-timeout", "0"},
                {"taipan.pool.call-timeout", "0ms"},
                {"taipan.pool.acquire-timeout", "400d"},
                {"taipan.pool.session-idle-timeout", "0s"},
                {"taipan.pool.circuit-retry-interval", "0"},
                {"taipan.pool.heartbeat-interval", "5ms"},
                {"taipan.pool.recycle-after", "P400D"},
                {"taipan.pool.drain-timeout", "-PT1S"},
                {"taipan.pool.kill-timeout", "P999D"},
        };
        for (String[] c : cases) {
            PoolConfigException e = rejected(Map.of(c[0], c[1]));
            assertEquals(c[0], e.setting(), e.getMessage());
            assertTrue(e.getMessage().startsWith(c[0] + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("PoolConfig:"), e.getMessage());
        }
        assertEquals("taipan.pool.max-frame-bytes: must be at most 1073741824 (1GB), got 4294967296",
                rejected(Map.of("taipan.pool.max-frame-bytes", "4GB")).getMessage());
        assertEquals(2048, parse(Map.of("taipan.pool.stream-window-bytes", 2048)).streamWindowBytes());
        PoolConfigException backoff = rejected(Map.of("taipan.pool.restart-backoff", "5s",
                "taipan.pool.max-restart-backoff", "1s"));
        assertTrue(backoff.getMessage().startsWith("taipan.pool.max-restart-backoff: must be >= restartBackoff"),
                backoff.getMessage());
        PoolConfigException reserved = rejected(Map.of("taipan.pool.env.TAIPAN_WORKER_TOKEN", "x"));
        assertEquals("taipan.pool.env.TAIPAN_WORKER_TOKEN: TAIPAN_* variables are reserved, got TAIPAN_WORKER_TOKEN",
                reserved.getMessage());
        // The builder itself still words its errors as before, and throws the same type.
        PoolConfigException b = assertThrows(PoolConfigException.class, () -> PoolConfig.builder().workers(0).build());
        assertEquals("PoolConfig: workers must be between 1 and 1024, got 0", b.getMessage());
        assertEquals("workers", b.setting());
    }

    @Test
    void secretsComeOnlyFromTheEnvironmentAndNeverShow() {
        PoolConfigException missing = rejected(Map.of("taipan.pool.secret-from-env.OPENAI_API_KEY", "NOT_SET_HERE"));
        assertEquals("taipan.pool.secret-from-env.OPENAI_API_KEY", missing.setting());
        assertTrue(missing.getMessage().contains("environment variable NOT_SET_HERE is not set"), missing.getMessage());
        assertTrue(rejected(Map.of("taipan.pool.secret-from-env.K", " ")).getMessage()
                .contains("must name an environment variable"));
        assertTrue(rejected(Map.of("taipan.pool.secret-from-env.", "HOST_KEY")).getMessage()
                .contains("needs a variable name"));
        assertTrue(rejected(Map.of("taipan.pool.env.", "v")).getMessage().contains("needs a variable name"));

        // A secret the builder refuses: the error names the property, never the value.
        Map<String, String> env = Map.of("NUL_KEY", "sk-secret\0tail");
        PoolConfigException nul = assertThrows(PoolConfigException.class,
                () -> PoolProperties.parse(Map.of("taipan.pool.secret-from-env.API_KEY", "NUL_KEY"), env::get));
        assertEquals("taipan.pool.env.API_KEY", nul.setting().replace("secret-from-env", "env"));
        assertFalse(nul.getMessage().contains("sk-secret"), nul.getMessage());
        String huge = "k".repeat(PoolConfig.MAX_SECRET_BYTES + 1);
        PoolConfigException big = assertThrows(PoolConfigException.class,
                () -> PoolProperties.parse(Map.of("taipan.pool.secret-from-env.API_KEY", "BIG"), Map.of("BIG", huge)::get));
        assertFalse(big.getMessage().contains("kkkk"), big.getMessage().substring(0, 80));
        assertTrue(big.getMessage().startsWith("taipan.pool.secret-from-env."), big.getMessage());
    }
}
