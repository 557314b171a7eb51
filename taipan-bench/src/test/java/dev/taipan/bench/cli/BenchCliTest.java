package dev.taipan.bench.cli;

import dev.taipan.pool.TaipanVersion;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark jar's command line: the same {@code taipan bench ...} and {@code taipan chaos} as before the split. */
class BenchCliTest {
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Run(BenchCli.execute(args), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpListsBenchAndChaosAndEveryBenchmark() {
        Run root = run("--help");
        assertEquals(0, root.code());
        assertTrue(root.out().contains("bench") && root.out().contains("chaos"), root.out());
        Run bench = run("bench", "--help");
        assertEquals(0, bench.code());
        for (String cmd : List.of("overhead", "payload", "dspy", "startup", "recovery", "memory", "jmh")) {
            assertTrue(bench.out().contains(cmd), bench.out());
        }
        Run chaos = run("chaos", "--help");
        assertEquals(0, chaos.code());
        assertTrue(chaos.out().contains("--quick") && chaos.out().contains("--scenario"), chaos.out());
    }

    @Test
    void badArgumentsExit2AndTheVersionIsTheBuilds() {
        assertEquals(2, run("chaos", "--scenario", "9").code());
        assertEquals(2, run("bench", "overhead", "--peers", "nonsense").code());
        Run observe = run("bench", "overhead", "--observe", "metrics,logs");
        assertEquals(2, observe.code());
        assertTrue(observe.err().contains("--observe: unknown level 'logs'"), observe.err());
        Run bad = run("bench", "overhead", "--rounds", "x");
        assertEquals(2, bad.code());
        assertEquals(List.of("taipan bench overhead: Unknown options: '--rounds', 'x'",
                "Try 'taipan bench overhead --help' for more information."), bad.err().lines().toList(),
                "one line and a hint, not the whole usage");
        assertEquals(2, run("bench", "startup", "--workers", "x").code());
        Run version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("taipan " + TaipanVersion.get()), version.out());
    }

    @Test
    void pythonOptionComesBeforeOrAfterTheCommand() {
        // --python is inherited, as it was in the CLI: both spellings parse (help then exits 0).
        assertEquals(0, run("--python", "/nonexistent/python", "bench", "overhead", "--help").code());
        assertEquals(0, run("bench", "--python", "/nonexistent/python", "overhead", "--help").code());
        Run help = run("bench", "overhead", "--help");
        assertTrue(help.out().contains("--observe"), help.out());
    }
}
