package dev.taipan.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.taipan.cli.Captured.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


class CliTest {
    @Test
    void jsonArgsMapToKwargsPositionalOrOneArgument() throws Exception {
        assertEquals(Map.of("a", 1), Json.parseArgs("{\"a\": 1}"));
        assertEquals(List.of(2, 3), Json.parseArgs("[2, 3]"));
        assertEquals(List.of("x"), Json.parseArgs("\"x\""));
        assertEquals(Arrays.asList((Object) null), Json.parseArgs("null"));
        assertEquals("\"eHg=\"", Json.write("xx".getBytes(StandardCharsets.UTF_8), false));
    }

    @Test
    void versionAndHelp() {
        Captured v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("taipan "), v.out());
        Captured h = run("--help");
        assertEquals(0, h.code());
        for (String cmd : List.of("doctor", "env", "call", "demo", "bench")) {
            assertTrue(h.out().contains(cmd), h.out());
        }
        assertEquals(2, run("call", "echo", "{not json").code());
    }

    @Test
    @Tag("python")
    void callPrintsTheResultAsJson() {
        String python = System.getProperty("taipan.python", "");
        assertTrue(!python.isEmpty() && Files.isExecutable(Path.of(python)), "no venv python (run bin/taipan setup): " + python);
        Captured ok = run("call", "--python", python, "taipan_testing.functions:add", "[2, 3]");
        assertEquals(0, ok.code());
        assertEquals("5", ok.out().strip());
        Captured failed = run("call", "--python", python, "taipan_testing.functions:fail", "{\"message\": \"nope\"}");
        assertEquals(1, failed.code());
        assertEquals("", failed.out());
    }
}
