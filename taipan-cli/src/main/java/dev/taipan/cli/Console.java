package dev.taipan.cli;

import java.io.PrintStream;

/**
 * Where the demo writes: narrative lines on stdout, progress on stderr. On a terminal the
 * progress is one live line (see {@link StatusLine}); otherwise (CI, a pipe, a file) it is a
 * plain line now and then.
 */
interface Console extends AutoCloseable {
    /** A line of narrative, on stdout. */
    void println(String line);

    /** The current progress; {@code last} is the final state, which stays on screen. */
    void progress(String line, boolean last);

    /** Erases a live progress line (after a {@link Spinner}); nothing for plain progress lines. */
    void clearProgress();

    /** Whether progress is a live line (redrawn often) rather than periodic plain lines. */
    boolean interactive();

    @Override
    void close();

    static Console terminal() {
        StatusLine status = new StatusLine(System.out);
        return new Console() {
            @Override
            public void println(String line) {
                status.println(line);
            }

            @Override
            public void progress(String line, boolean last) {
                if (last) {
                    status.finish(line);
                } else {
                    status.show(line);
                }
            }

            @Override
            public void clearProgress() {
                status.clear();
            }

            @Override
            public boolean interactive() {
                return true;
            }

            @Override
            public void close() {
                status.close();
            }
        };
    }

    static Console plain() {
        PrintStream out = System.out;
        return new Console() {
            @Override
            public synchronized void println(String line) {
                out.println(line);
                out.flush();
            }

            @Override
            public void progress(String line, boolean last) {
                System.err.println("progress: " + line);
            }

            @Override
            public void clearProgress() {
            }

            @Override
            public boolean interactive() {
                return false;
            }

            @Override
            public void close() {
                out.flush();
            }
        };
    }
}
