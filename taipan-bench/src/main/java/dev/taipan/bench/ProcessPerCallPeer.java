package dev.taipan.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark peer: the naive way to call Python from Java, one new Python process per call.
 * Each call runs {@code python -c "import sys; sys.stdout.write(sys.argv[1])" VALUE} with
 * {@link ProcessBuilder} (the interpreter the pool uses, so the same {@code site} start-up),
 * reads its stdout to the end, waits for it to exit and returns what it printed. A call fails if
 * the process exits with a non-zero status or is still running 30 s after its stdout closed.
 * Thread-safe: every call has its own process.
 */
public final class ProcessPerCallPeer {
    static final String CODE = "import sys; sys.stdout.write(sys.argv[1])";

    private final String python;

    public ProcessPerCallPeer(String python) {
        this.python = Objects.requireNonNull(python, "python");
    }

    /** Starts a Python process that prints {@code value}; returns its output. */
    public String echo(String value) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(python, "-c", CODE, value);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException("python -c did not exit 30 s after closing its stdout");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("python -c exited with status " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } finally {
            if (p.isAlive()) {
                PeerProcesses.kill(p);
            }
        }
    }
}
