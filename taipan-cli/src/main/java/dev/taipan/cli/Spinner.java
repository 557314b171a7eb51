package dev.taipan.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A spinner on the status line while something slow runs (a pool starting, DSPy importing):
 * nothing for the first {@code delay} (a fast start should not flicker), then a frame and the
 * seconds so far every {@link #FRAME_MILLIS}; erased when closed. Only on a terminal: elsewhere
 * (a log file, CI) {@link #none()} draws nothing, so no spinner bytes end up in logs.
 */
final class Spinner implements AutoCloseable {
    static final long FRAME_MILLIS = 100;
    private static final String FRAMES = "|/-\\";

    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread thread;
    private final Runnable clear;

    private Spinner(String text, Duration delay, Consumer<String> show, Runnable clear) {
        this.clear = clear;
        long t0 = System.nanoTime();
        this.thread = new Thread(() -> {
            try {
                // The latch doubles as the timer: close() ends the wait at once.
                if (done.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                for (int frame = 0; !done.await(FRAME_MILLIS, TimeUnit.MILLISECONDS); frame++) {
                    show.accept(String.format("%c %s (%.1f s)", FRAMES.charAt(frame % FRAMES.length()), text,
                            (System.nanoTime() - t0) / 1e9));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "taipan-spinner");
        thread.setDaemon(true);
    }

    /** A spinner drawn on {@code console}'s status line, if it has a live one; else {@link #none()}. */
    static Spinner on(Console console, String text, Duration delay) {
        if (!console.interactive()) {
            return none();
        }
        Spinner s = new Spinner(text, delay, line -> console.progress(line, false), console::clearProgress);
        s.thread.start();
        return s;
    }

    /**
     * A spinner on stderr's own status line while it is open, if stderr is a terminal (for a
     * command, like {@code call}, that has no console of its own).
     */
    static Spinner onStderr(String text, Duration delay) {
        if (!StatusLine.stderrIsTerminal()) {
            return none();
        }
        StatusLine status = new StatusLine(System.out);
        Spinner s = new Spinner(text, delay, status::show, status::close);
        s.thread.start();
        return s;
    }

    /** Draws nothing. */
    static Spinner none() {
        return new Spinner("", Duration.ZERO, line -> { }, () -> { });
    }

    /** Stops the spinner and erases it; returns once it is gone. */
    @Override
    public void close() {
        done.countDown();
        if (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clear.run();
    }
}
