package dev.taipan.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A CLI run in-process, for tests: its exit code and what it printed on stdout. */
record Captured(int code, String out) {
    /** Runs {@code taipan args...} with stdout captured (stderr, where progress goes, is left alone). */
    static Captured run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = TaipanCli.execute(args);
            return new Captured(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }
}
