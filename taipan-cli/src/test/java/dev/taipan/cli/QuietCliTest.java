package dev.taipan.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.taipan.cli.Captured.run;
import static dev.taipan.cli.Captured.venvPython;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI is quiet by default, says more with -v, and answers a usage error in one line. */
class QuietCliTest {
    @Test
    void callPingPrintsTheResultAndNothingElse() throws Exception {
        CliProcess r = CliProcess.run("call", "--python", venvPython(), "ping");
        assertEquals(0, r.code(), r.err());
        assertEquals("\"pong\"" + System.lineSeparator(), r.out());
        assertEquals("", r.err());
    }

    @Test
    void verboseShowsThePoolsLifecycleOnceAtInfo() throws Exception {
        for (List<String> args : List.of(List.of("-v", "call", "--python", venvPython(), "ping"),
                List.of("call", "-v", "--python", venvPython(), "ping"))) {
            CliProcess r = CliProcess.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            assertEquals("\"pong\"" + System.lineSeparator(), r.out(), "the log stays off stdout");
            assertTrue(r.err().contains(" INFO PoolEngine - pool call ready: 1 workers"), r.err());
            assertTrue(r.err().contains(" INFO WorkerSupervisor - pool call worker w-1 stage=ready"), r.err());
            assertFalse(r.err().contains(" DEBUG "), "-v is INFO, not DEBUG:\n" + r.err());
            // Logged by the host; the worker does not say the same again through its stderr.
            assertFalse(r.err().contains("taipan-worker w-1:"), r.err());
        }
        CliProcess debug = CliProcess.run("-vv", "call", "--python", venvPython(), "ping");
        assertEquals(0, debug.code(), debug.err());
        assertTrue(debug.err().contains(" DEBUG WorkerSupervisor - pool call worker w-1 stage=authenticated"),
                debug.err());
    }

    @Test
    void aModuleThatFailsToImportIsReportedOnceWithItsTraceback() throws Exception {
        CliProcess r = CliProcess.run("call", "--python", venvPython(), "--modules", "no_such_mod", "ping");
        assertEquals(1, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("error: PoolStartException: worker w-1 failed to start: exited with status 2"),
                r.err());
        assertEquals(1, count(r.err(), "Traceback (most recent call last)"), r.err());
        assertEquals(1, count(r.err(), "ModuleNotFoundError: No module named 'no_such_mod'"), r.err());
    }

    @Test
    void aUsageErrorIsOneLineAndAHintWithExitStatus2() {
        assertUsageError(run("call"), "taipan call: Missing required parameter: 'FUNCTION'", "taipan call");
        assertUsageError(run("call", "--module", "x", "ping"),
                "taipan call: Unknown option: '--module' (did you mean --modules?)", "taipan call");
        assertUsageError(run("env", "--rounds", "x"), "taipan env: Unknown options: '--rounds', 'x'", "taipan env");
        assertUsageError(run("call", "echo", "{not json"), "taipan call: JSON_ARGS is not valid JSON:", "taipan call");
        assertUsageError(run("demo", "--records", "1"), "taipan demo: --records must be between 2 and 300",
                "taipan demo");
        assertUsageError(run("--no-such-option"), "taipan: Unknown option: '--no-such-option'", "taipan");
    }

    private static void assertUsageError(Captured r, String firstLineStart, String command) {
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        List<String> lines = r.err().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith(firstLineStart), lines.get(0));
        assertEquals("Try '" + command + " --help' for more information.", lines.get(1));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }
}
