package dev.taipan.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A CLI run in-process, for tests: its exit code and what it printed on stdout and stderr. */
record Captured(int code, String out, String err) {
    /**
     * Runs {@code taipan args...} with stdout and stderr captured. The log levels are fixed per
     * JVM once a pool's loggers exist, so what the log shows is tested with {@link CliProcess}.
     */
    static Captured run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = TaipanCli.execute(args);
            return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The venv's Python from the build (taipan.python); fails the test without it. */
    static String venvPython() {
        String python = System.getProperty("taipan.python", "");
        org.junit.jupiter.api.Assertions.assertTrue(!python.isEmpty() && java.nio.file.Files.isExecutable(
                java.nio.file.Path.of(python)), "no venv python (run bin/taipan setup): " + python);
        return python;
    }
}
