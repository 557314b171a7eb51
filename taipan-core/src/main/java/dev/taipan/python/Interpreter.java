package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Asks a Python command what it is: its version (at least {@value #MIN_MAJOR}.{@value #MIN_MINOR},
 * the oldest the worker runtime supports) and where its base interpreter lives. One short
 * process run, before any worker, so a wrong interpreter fails with a message that names it
 * rather than as a worker that dies at start.
 */
public final class Interpreter {
    public static final int MIN_MAJOR = 3;
    public static final int MIN_MINOR = 9;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(60);
    // -E -s -S: no environment, no user site, no site import; the answer is the interpreter's own,
    // and this runs in milliseconds. Python 2 must be able to run it too, to say it is too old.
    private static final String PROBE = "import sys, os; v = sys.version_info; "
            + "print('%d.%d.%d' % (v[0], v[1], v[2])); "
            + "print(os.path.realpath(getattr(sys, '_base_executable', None) or sys.executable))";

    private Interpreter() {
    }

    /** What a probe found: the version ("3.11.7") and the real path of the base interpreter. */
    public record Probe(String version, String baseExecutable) {
        /** "3.11" */
        public String minor() {
            String[] p = version.split("\\.");
            return p[0] + "." + p[1];
        }
    }

    /** Probes {@code command} (an interpreter and any launcher words before it); throws if unusable. */
    public static Probe probe(List<String> command) {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("-E", "-s", "-S", "-c", PROBE));
        String shown = Tool.describe(command);
        Tool.Result r;
        try {
            r = Tool.run(cmd, Map.of(), null, PROBE_TIMEOUT);
        } catch (IOException e) {
            throw new PythonEnvironmentException("no Python at " + shown + " (" + e.getMessage() + "). Install Python "
                    + MIN_MAJOR + "." + MIN_MINOR + " or newer, or point Taipan at one: PythonEnvironment.interpreter("
                    + "Path.of(\"/path/to/python3\")), or let it find one with PythonEnvironment.detect()", null, "", e);
        }
        if (!r.ok()) {
            throw new PythonEnvironmentException(shown + " did not run as Python ("
                    + (r.exitCode() == null ? "no answer within " + PROBE_TIMEOUT.toSeconds() + " s" : "exit " + r.exitCode())
                    + "): " + r.tail() + "\nPoint Taipan at a Python " + MIN_MAJOR + "." + MIN_MINOR + "+ interpreter",
                    r.exitCode(), r.tail(), null);
        }
        String[] lines = r.output().strip().split("\\R");
        String version = lines.length == 2 ? lines[0].strip() : "";
        String[] parts = version.split("\\.");
        if (parts.length != 3 || !parts[0].chars().allMatch(Character::isDigit)
                || !parts[1].chars().allMatch(Character::isDigit) || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new PythonEnvironmentException(shown + " answered the version probe with something that is not a "
                    + "Python version: " + r.tail(), r.exitCode(), r.tail(), null);
        }
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR)) {
            throw new PythonEnvironmentException(shown + " is Python " + version + ", but Taipan's worker needs "
                    + MIN_MAJOR + "." + MIN_MINOR + " or newer. Install a newer Python and point Taipan at it "
                    + "(PythonEnvironment.interpreter(...), or provisioned().baseInterpreter(...))", null, "", null);
        }
        return new Probe(version, lines[1].strip());
    }
}
