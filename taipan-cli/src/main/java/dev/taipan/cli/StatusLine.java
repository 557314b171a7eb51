package dev.taipan.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A live one-line status (progress bar) at the bottom of a terminal's stderr. While it is
 * installed, everything else written to {@code System.err} (log lines from the pool and its
 * workers) first erases the bar, so log lines stay readable; the bar is redrawn on the next
 * {@link #show}. Text for stdout should go through {@link #println} for the same reason.
 */
final class StatusLine implements AutoCloseable {
    private static final String ERASE = "\r\033[K";

    private final Object lock = new Object();
    private final PrintStream raw;
    private final PrintStream stdout;
    private boolean shown;
    private boolean midLine;

    StatusLine(PrintStream stdout) {
        this.raw = System.err;
        this.stdout = stdout;
        System.setErr(new PrintStream(new Interceptor(), true, StandardCharsets.UTF_8));
    }

    /**
     * Whether stderr is a terminal. bin/taipan tells us ({@code TAIPAN_STDERR_TTY=1|0});
     * otherwise, on Linux, look at what file descriptor 2 points to. CI never gets a bar.
     */
    static boolean stderrIsTerminal() {
        if ("true".equalsIgnoreCase(System.getenv("CI")) || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        String told = System.getenv("TAIPAN_STDERR_TTY");
        if (told != null && !told.isBlank()) {
            return told.strip().equals("1");
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** Draws (or redraws) the status line, unless another writer is in the middle of a line. */
    void show(String text) {
        synchronized (lock) {
            if (midLine) {
                return;
            }
            raw.print(ERASE + text);
            raw.flush();
            shown = true;
        }
    }

    /** Replaces the status line with {@code text} for good (it scrolls up with the output). */
    void finish(String text) {
        synchronized (lock) {
            raw.print(ERASE + text + System.lineSeparator());
            raw.flush();
            shown = false;
            midLine = false;
        }
    }

    /** Erases the status line, leaving the bar installed (the next {@link #show} draws it again). */
    void clear() {
        synchronized (lock) {
            eraseLocked();
        }
    }

    /** Prints a line on stdout, erasing the status line first. */
    void println(String line) {
        synchronized (lock) {
            eraseLocked();
            stdout.println(line);
            stdout.flush();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            eraseLocked();
        }
        System.setErr(raw);
    }

    private void eraseLocked() {
        if (shown) {
            raw.print(ERASE);
            raw.flush();
            shown = false;
        }
    }

    private final class Interceptor extends OutputStream {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (len <= 0) {
                return;
            }
            synchronized (lock) {
                eraseLocked();
                raw.write(b, off, len);
                midLine = b[off + len - 1] != '\n';
            }
        }

        @Override
        public void flush() {
            raw.flush();
        }
    }
}
