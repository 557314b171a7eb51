package dev.taipan.pool;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The output pump holds no more than a piece of a line, however long the line. */
class OutputPumpTest {
    private static final long LINE_BYTES = 300L * 1024 * 1024;

    /** {@code n} bytes of 'x' without a newline, made as they are read: the test holds none of them. */
    private static InputStream xs(long n) {
        return new InputStream() {
            private long left = n;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int k = (int) Math.min(len, left);
                Arrays.fill(b, off, off + k, (byte) 'x');
                left -= k;
                return k;
            }
        };
    }

    private static OutputPump pump(InputStream in, Redactor redactor) {
        return new OutputPump(in, "w-test", "stdout", redactor, new OutputLimiter("w-test"));
    }

    @Test
    void a300MegabyteLineLeavesInBoundedPiecesAndTheNextLineIsIntact() {
        AtomicLong pieces = new AtomicLong();
        AtomicLong chars = new AtomicLong();
        AtomicLong longest = new AtomicLong();
        OutputPump p = pump(new SequenceInputStream(xs(LINE_BYTES),
                new ByteArrayInputStream("\nafter\n".getBytes(StandardCharsets.UTF_8))), Redactor.NONE);
        p.onPiece(text -> {
            pieces.incrementAndGet();
            String body = text.endsWith(OutputPump.CONTINUED)
                    ? text.substring(0, text.length() - OutputPump.CONTINUED.length()) : text;
            chars.addAndGet(body.length());
            longest.accumulateAndGet(body.length(), Math::max);
        });
        p.run();

        assertTrue(p.awaitEnd(0));
        assertTrue(longest.get() <= OutputPump.PIECE_BYTES, "a piece of " + longest.get() + " chars");
        assertEquals(LINE_BYTES + "after".length(), chars.get(), "every byte was passed on, once");
        assertEquals(LINE_BYTES / OutputPump.PIECE_BYTES + 1, pieces.get());
        String[] tail = p.tail().split("\n");
        assertEquals("after", tail[tail.length - 1]);
        assertFalse(tail[tail.length - 2].endsWith(OutputPump.CONTINUED), "the long line's last piece ends it");
        assertTrue(tail[tail.length - 3].endsWith(OutputPump.CONTINUED), "earlier pieces say the line goes on");
        assertTrue(p.tail().length() <= OutputPump.TAIL_MAX_CHARS, "tail of " + p.tail().length() + " chars");
        assertTrue(tail.length <= OutputPump.TAIL_LINES);
    }

    @Test
    void piecesNeverCutACharacterOrASecretInTwo() {
        String secret = "s3cr3t-value-42";
        Redactor redactor = Redactor.of(Map.of("KEY", secret), Set.of("KEY"));
        // A 2-byte character and the secret each straddle a piece boundary.
        String line = "a".repeat(OutputPump.PIECE_BYTES - 1) + "é" + "b".repeat(OutputPump.PIECE_BYTES - 5)
                + secret + "c".repeat(100);
        OutputPump p = pump(new ByteArrayInputStream((line + "\n").getBytes(StandardCharsets.UTF_8)), redactor);
        StringBuilder joined = new StringBuilder();
        p.onPiece(text -> joined.append(text.replace(OutputPump.CONTINUED, "")));
        p.run();
        assertEquals(line.replace(secret, "***"), joined.toString());
        assertFalse(joined.toString().contains("\uFFFD"), "no character was cut in two");
        assertFalse(joined.toString().contains(secret.substring(0, 4)), "no part of the secret shows");
    }

    @Test
    void aFloodIsRateLimitedAndWhatWasDroppedIsCounted() {
        AtomicLong now = new AtomicLong();
        OutputLimiter limiter = new OutputLimiter("w-test", 100, 50, now::get);
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            flood.append("line ").append(i).append('\n');
        }
        OutputPump p = new OutputPump(new ByteArrayInputStream(flood.toString().getBytes(StandardCharsets.UTF_8)),
                "w-test", "stdout", Redactor.NONE, limiter);
        AtomicLong logged = new AtomicLong();
        p.onLogged(text -> logged.incrementAndGet());
        p.run();
        assertEquals(50, logged.get(), "the burst, and no more while no time passes");
        assertEquals(950, limiter.dropped());
        assertTrue(p.tail().endsWith("line 999"), "the tail still has the last lines");

        now.addAndGet(400_000_000L); // 0.4 s later: 40 more lines may pass
        OutputPump q = new OutputPump(new ByteArrayInputStream(flood.toString().getBytes(StandardCharsets.UTF_8)),
                "w-test", "stderr", Redactor.NONE, limiter);
        q.onLogged(text -> logged.incrementAndGet());
        q.run();
        assertEquals(40, logged.get() - 50, "one limit for both streams of a worker");
        assertEquals(950 + 960, limiter.dropped());
    }

    @Test
    void aPumpThatFailsSaysSoAndEnds() {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        InputStream failing = new InputStream() {
            private int calls;

            @Override
            public int read() throws IOException {
                return read(new byte[1], 0, 1);
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (calls++ == 0) {
                    byte[] line = "before\n".getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(line, 0, b, off, line.length);
                    return line.length;
                }
                throw oom;
            }
        };
        OutputPump p = pump(failing, Redactor.NONE);
        p.onFailure(seen::set);
        p.run();
        assertSame(oom, seen.get());
        assertSame(oom, p.failure());
        assertTrue(p.awaitEnd(0), "the stream counts as ended");
        assertEquals(List.of("before"), List.of(p.tail().split("\n")));
    }
}
