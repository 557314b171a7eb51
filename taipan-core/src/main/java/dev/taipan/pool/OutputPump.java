package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Copies one of a worker's output streams into the log, line by line, tagged with the
 * worker id, and keeps the last lines for crash reports. The protocol runs over a socket,
 * so whatever a library prints here, even from C straight to fd 1, is only ever a log line.
 * A spawned worker's pipes are read by {@link #run()}; a forked worker's lines arrive through
 * its zygote and are pushed in with {@link #accept(String, boolean)} and {@link #end()}.
 *
 * <p>Memory is bounded whatever the worker writes: bytes are read into one buffer of
 * {@link #PIECE_BYTES}, and a longer line leaves in pieces of at most that size, each but the
 * last marked {@code (continued)} — no line is ever held whole. The log is rate-limited per
 * worker ({@link OutputLimiter}); the tail keeps at most {@link #TAIL_LINES} pieces (each cut to
 * {@link #TAIL_ENTRY_CHARS}) and {@link #TAIL_MAX_CHARS} characters. If the pump itself
 * fails (anything but the pipe breaking, e.g. an {@link OutOfMemoryError}), it stops and
 * tells its failure handler: the engine then replaces the worker, whose output nobody reads
 * any more (its prints would soon block on a full pipe).
 */
final class OutputPump implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.taipan.worker");
    static final int TAIL_LINES = 40;
    static final int TAIL_MAX_CHARS = 32 * 1024;
    /** A piece kept in the tail is cut to this many characters: a crash report needs its start. */
    static final int TAIL_ENTRY_CHARS = 1024;
    /** The most bytes of one line held at once; longer lines leave in pieces of this size. */
    static final int PIECE_BYTES = 8192;
    static final String CONTINUED = " (continued)";

    private final InputStream in;
    private final String workerId;
    private final String stream;
    private final ArrayDeque<String> tail = new ArrayDeque<>(TAIL_LINES);
    private int tailChars; // guarded by tail
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Redactor redactor;
    private final OutputLimiter limiter;
    private volatile Consumer<Throwable> onFailure = e -> { };
    private volatile Throwable failure;
    /** Observers for tests: every piece passed on, and those the limiter let into the log. */
    private volatile Consumer<String> pieceSeen = t -> { };
    private volatile Consumer<String> pieceLogged = t -> { };
    /** Bytes of the current line not yet passed on (read by {@link #run()} only). */
    private final byte[] line = new byte[PIECE_BYTES];
    private int lineBytes;
    /** Text held back from the last piece so that no secret is cut in two (see {@link #accept(String, boolean)}). */
    private String carry = "";

    /** Pushed lines: see {@link #accept(String, boolean)}. */
    OutputPump(String workerId, String stream, Redactor redactor, OutputLimiter limiter) {
        this(null, workerId, stream, redactor, limiter);
    }

    OutputPump(InputStream in, String workerId, String stream, Redactor redactor, OutputLimiter limiter) {
        this.redactor = redactor;
        this.in = in;
        this.workerId = workerId;
        this.stream = stream;
        this.limiter = limiter;
    }

    /** Called once, from the pump's thread, if the pump fails. */
    void onFailure(Consumer<Throwable> handler) {
        this.onFailure = handler;
    }

    void onPiece(Consumer<String> observer) {
        this.pieceSeen = observer;
    }

    void onLogged(Consumer<String> observer) {
        this.pieceLogged = observer;
    }

    /** The limiter this pump shares with the other stream of its worker. */
    OutputLimiter limiter() {
        return limiter;
    }

    /** Why the pump failed, or null. */
    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        byte[] chunk = new byte[PIECE_BYTES];
        try {
            int n;
            while ((n = in.read(chunk)) > 0) {
                feed(chunk, n);
            }
            if (lineBytes > 0 || !carry.isEmpty()) {
                emit(false);
            }
        } catch (IOException e) {
            // The process went away and the pipe broke: that is the end of its output.
        } catch (Throwable t) {
            failed(t);
        } finally {
            end();
        }
    }

    private void feed(byte[] chunk, int n) {
        for (int i = 0; i < n; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                emit(false);
            } else {
                if (lineBytes == PIECE_BYTES) {
                    emit(true);
                }
                line[lineBytes++] = b;
            }
        }
    }

    /**
     * Passes on the bytes of the current line: the whole rest of it, or ({@code continues}) a
     * full piece whose line goes on, cut before an incomplete UTF-8 character (whose bytes
     * then open the next piece).
     */
    private void emit(boolean continues) {
        int end = continues ? utf8Boundary(line, lineBytes) : lineBytes;
        String text = new String(line, 0, end, StandardCharsets.UTF_8);
        System.arraycopy(line, end, line, 0, lineBytes - end);
        lineBytes -= end;
        if (!continues && text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        accept(text, continues);
    }

    /** The end of the last complete UTF-8 character among the first {@code n} bytes. */
    static int utf8Boundary(byte[] b, int n) {
        int i = n;
        // Back up over at most 3 continuation bytes to the lead byte of the last character.
        while (i > 0 && n - i < 3 && (b[i - 1] & 0xC0) == 0x80) {
            i--;
        }
        if (i > 0) {
            int lead = b[i - 1] & 0xFF;
            int size = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
            if (size > 1 && (i - 1) + size > n) {
                return i - 1 == 0 ? n : i - 1; // incomplete: cut before it (unless that is all there is)
            }
        }
        return n;
    }

    /** One complete line the worker wrote (through its zygote: at most a piece long). */
    void accept(String line) {
        accept(line, false);
    }

    /**
     * One line, or one piece of a long line ({@code continues}: more of it follows). A piece
     * keeps back any ending that could be the start of a secret: it opens the next piece, so
     * redaction always sees a secret whole. Anything longer than a piece is cut here too.
     */
    void accept(String text, boolean continues) {
        if (failure != null) {
            return;
        }
        try {
            text = carry + text;
            carry = "";
            if (continues) {
                int cut = redactor.safeCut(text);
                carry = text.substring(cut);
                text = text.substring(0, cut);
            }
            text = redactor.redact(text);
            int at = 0;
            do {
                int to = Math.min(text.length(), at + PIECE_BYTES);
                boolean more = continues || to < text.length();
                deliver(more ? text.substring(at, to) + CONTINUED : text.substring(at, to));
                at = to;
            } while (at < text.length());
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void deliver(String text) {
        pieceSeen.accept(text);
        if (limiter.admit()) {
            LOG.info("[{} {}] {}", workerId, stream, text);
            pieceLogged.accept(text);
        }
        if (text.length() > TAIL_ENTRY_CHARS) {
            text = text.substring(0, TAIL_ENTRY_CHARS) + " …" + (text.endsWith(CONTINUED) ? CONTINUED : "");
        }
        synchronized (tail) {
            while (!tail.isEmpty() && (tail.size() == TAIL_LINES || tailChars + text.length() > TAIL_MAX_CHARS)) {
                tailChars -= tail.removeFirst().length();
            }
            tail.addLast(text);
            tailChars += text.length();
        }
    }

    /** The pump cannot go on (also how a test stands in for a failure deep in it). */
    void failed(Throwable t) {
        if (failure != null) {
            return;
        }
        failure = t;
        LOG.error("[{} {}] the output pump failed ({}); the worker will be replaced", workerId, stream, t.toString());
        try {
            onFailure.accept(t);
        } catch (RuntimeException e) {
            LOG.warn("[{} {}] output failure handler failed: {}", workerId, stream, e.toString());
        }
    }

    /** The stream has ended. */
    void end() {
        if (!carry.isEmpty()) {
            accept("", false);
        }
        limiter.flush();
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
