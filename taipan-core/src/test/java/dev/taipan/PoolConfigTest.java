package dev.taipan;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolConfigTest {
    private static String rejection(PoolConfig.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void defaultsAreSensible() {
        PoolConfig c = PoolConfig.builder().build();
        // The conventional Python, found when the pool starts (VIRTUAL_ENV, CONDA_PREFIX, ./.venv, python3).
        assertEquals(PythonEnvironment.detect(), c.python());
        assertEquals(PythonEnvironment.interpreter(java.nio.file.Path.of("python3")),
                PoolConfig.builder().python("python3").build().python());
        assertEquals(2, c.workers());
        assertEquals(4, c.slots());
        assertEquals(64 * 1024 * 1024, c.maxFrameBytes());
        assertFalse(c.lazyStart());
        assertTrue(c.shutdownHook());
    }

    @Test
    void everyBadSettingIsNamedInTheError() {
        assertTrue(rejection(PoolConfig.builder().workers(0)).contains("workers"));
        assertTrue(rejection(PoolConfig.builder().slots(0)).contains("slots"));
        assertTrue(rejection(PoolConfig.builder().modules("not a module")).contains("not a module"));
        assertTrue(rejection(PoolConfig.builder().modules("os;rm")).contains("os;rm"));
        assertTrue(rejection(PoolConfig.builder().name("has space")).contains("name"));
        assertTrue(rejection(PoolConfig.builder().callTimeout(Duration.ZERO)).contains("callTimeout"));
        assertTrue(rejection(PoolConfig.builder().acquireTimeout(Duration.ofSeconds(-1))).contains("acquireTimeout"));
        assertTrue(rejection(PoolConfig.builder().maxFrameBytes(10)).contains("maxFrameBytes"));
        assertTrue(rejection(PoolConfig.builder().maxWaiting(-1)).contains("maxWaiting"));
        assertTrue(rejection(PoolConfig.builder().python(" ")).contains("python"));
        assertTrue(rejection(PoolConfig.builder().env("TAIPAN_WORKER_TOKEN", "x")).contains("reserved"));
        // Secrets reach Python over a pipe, not execve: a NUL (which no environment can hold) is refused up front.
        assertTrue(rejection(PoolConfig.builder().secret("API_KEY", "sk-a\0b")).contains("NUL"));
        assertFalse(rejection(PoolConfig.builder().secret("API_KEY", "sk-a\0b")).contains("sk-a"));
        // All secrets go to a worker in one pipe frame: their total size is bounded, and the error shows no value.
        String big = "k".repeat(PoolConfig.MAX_SECRET_BYTES / 2);
        PoolConfig.builder().secret("A", big.substring(1)).build();
        String tooMuch = rejection(PoolConfig.builder().secret("A", big).secret("B", big));
        assertTrue(tooMuch.contains("secrets") && !tooMuch.contains("kkkk"), tooMuch);
        assertTrue(rejection(PoolConfig.builder().restartBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .contains("maxRestartBackoff"));
        assertThrows(IllegalArgumentException.class, () -> CallOptions.timeout(Duration.ZERO));
    }

    @Test
    void isImmutableAndDerivable() {
        PoolConfig a = PoolConfig.builder().workers(3).modules("a.b").env("K", "v").build();
        PoolConfig b = a.toBuilder().workers(5).modules("c").build();
        assertEquals(3, a.workers());
        assertEquals(5, b.workers());
        assertEquals(java.util.List.of("a.b"), a.modules());
        assertEquals(java.util.List.of("a.b", "c"), b.modules());
        assertThrows(UnsupportedOperationException.class, () -> a.modules().add("x"));
    }

    @Test
    void toStringNeverShowsEnvironmentValues() {
        PoolConfig c = PoolConfig.builder().env("OPENAI_API_KEY", "sk-secret-123").build();
        assertTrue(c.toString().contains("OPENAI_API_KEY"));
        assertFalse(c.toString().contains("sk-secret-123"));
    }
}
