package com.example.consumer;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppTest {
    @Test
    void callsItsOwnModuleAndRunsDspyInTheProvisionedEnvironment() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        App.Result result = App.run(new PrintStream(printed, true, StandardCharsets.UTF_8));
        System.out.print(printed.toString(StandardCharsets.UTF_8));

        assertEquals("Hello, Java!", result.greeting());
        // The workers ran in the environment Taipan made in its cache, not in some other Python.
        Path cache = cacheDirectory().toRealPath();
        Path prefix = Path.of(result.pythonPrefix()).toRealPath();
        assertTrue(prefix.startsWith(cache), "the worker's Python " + prefix + " is not under the cache " + cache);
        assertFalse(result.answer().isBlank(), "the DSPy program answered nothing");
    }

    private static Path cacheDirectory() {
        String dir = System.getenv("TAIPAN_CACHE_DIR");
        return dir != null && !dir.isBlank() ? Path.of(dir)
                : Path.of(System.getProperty("user.home"), ".cache", "taipan", "envs");
    }
}
