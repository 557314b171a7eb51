package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Copies one of a worker's output streams into the log, line by line, tagged with the
 * worker id, and keeps the last lines for crash reports. The protocol runs over a socket,
 * so whatever a library prints here, even from C straight to fd 1, is only ever a log line.
 * A spawned worker's pipes are read by {@link #run()}; a forked worker's lines arrive through
 * its zygote and are pushed in with {@link #accept(String)} and {@link #end()}.
 */
final class OutputPump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.taipan.worker");
    static final int TAIL_LINES = 40;
    private static final int MAX_LINE_CHARS = 8192;

    private final InputStream in;
    private final String workerId;
    private final String stream;
    private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Redactor redactor;

    /** Pushed lines: see {@link #accept(String)}. */
    OutputPump(String workerId, String stream, Redactor redactor) {
        this(null, workerId, stream, redactor);
    }

    OutputPump(InputStream in, String workerId, String stream, Redactor redactor) {
        this.redactor = redactor;
        this.in = in;
        this.workerId = workerId;
        this.stream = stream;
    }

    @Override
    public void run() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                accept(line);
            }
        } catch (IOException e) {
            // The process went away and the pipe broke: that is the end of its output.
        } finally {
            end();
        }
    }

    /** One line the worker wrote. */
    void accept(String line) {
        line = redactor.redact(line);
        if (line.length() > MAX_LINE_CHARS) {
            line = line.substring(0, MAX_LINE_CHARS) + "… (" + line.length() + " chars)";
        }
        LOG.info("[{} {}] {}", workerId, stream, line);
        synchronized (tail) {
            if (tail.size() == TAIL_LINES) {
                tail.removeFirst();
            }
            tail.addLast(line);
        }
    }

    /** The stream has ended. */
    void end() {
        finished.countDown();
    }

    /** Waits (bounded) until the stream has been read to its end, so the tail is complete. */
    boolean awaitEnd(long millis) {
        try {
            return finished.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String tail() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }
}
