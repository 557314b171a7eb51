package dev.taipan.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.taipan.cli.Captured.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


class DemoTest {
    @Test
    void theBundledDatasetHas300LabeledTickets() {
        List<DemoCommand.Ticket> tickets = DemoCommand.loadDataset();
        assertEquals(300, tickets.size());
        for (DemoCommand.Ticket t : tickets) {
            assertTrue(DemoCommand.CATEGORIES.contains(t.category()), t.toString());
            assertTrue(DemoCommand.PRIORITIES.contains(t.priority()), t.toString());
            assertTrue(!t.ticket().isBlank(), t.toString());
        }
    }

    @Test
    void helpDescribesBothDemosAndBadOptionsExit2() {
        Captured help = run("demo", "--help");
        assertEquals(0, help.code());
        for (String word : List.of("--model", "--api-key-env", "--base-url", "--records", "--latency-ms", "pool")) {
            assertTrue(help.out().contains(word), help.out());
        }
        Captured poolHelp = run("demo", "pool", "--help");
        assertEquals(0, poolHelp.code());
        assertTrue(poolHelp.out().contains("--calls"), poolHelp.out());
        assertEquals(2, run("demo", "--base-url", "http://localhost:1/v1").code());
        assertEquals(2, run("demo", "--records", "1").code());
    }

    /** The whole DSPy demo, small: local LM server, a SIGKILL, evaluation, BootstrapFewShot, saved JSON. */
    @Test
    @Tag("python")
    @Tag("dspy")
    void theDspyDemoRunsEndToEnd(@TempDir Path out) throws Exception {
        String python = System.getProperty("taipan.python", "");
        assertTrue(!python.isEmpty() && Files.isExecutable(Path.of(python)), "no venv python (run bin/taipan setup): " + python);
        Captured r = run("demo", "--python", python, "--records", "40", "--workers", "2", "--concurrency", "8",
                "--trainset", "20", "--devset", "20", "--latency-ms", "5", "--out", out.toString());
        assertEquals(0, r.code(), r.out());
        for (String line : List.of("records                  40/40 with a prediction (every category valid)",
                "lost                     0", "worker restarts          1 (pool healed)", "SIGKILL -> worker",
                "PLACEHOLDERS", "before ->", "demo OK")) {
            assertTrue(r.out().contains(line), "missing '" + line + "' in:\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  throughput")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  latency p50 / p99")), r.out());
        Path saved = out.resolve("classify-optimized.json");
        assertTrue(Files.readString(saved).contains("\"demos\""), Files.readString(saved));
        assertEquals(40, Files.readAllLines(out.resolve("predictions.jsonl")).size());
        // Plain Python DSPy loads the saved program.
        Process py = new ProcessBuilder(python, "-c", String.join("\n",
                "import dspy, sys",
                "p = dspy.Predict('ticket -> category, priority')",
                "p.load(sys.argv[1])",
                "print('demos', len(p.demos))"), saved.toString()).redirectErrorStream(true).start();
        String loaded = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(py.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, py.exitValue(), loaded);
        assertTrue(loaded.lines().anyMatch(l -> l.startsWith("demos ") && !l.equals("demos 0")), loaded);
    }
}
