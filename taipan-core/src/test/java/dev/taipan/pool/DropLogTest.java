package dev.taipan.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A flood of dropped connections makes a few log lines, and none of them is lost from the count. */
class DropLogTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void aFloodIsOneLineAtOnceAndOneSummaryPerInterval() {
        List<String> lines = new ArrayList<>();
        DropLog log = new DropLog(lines::add, 10 * SECOND);
        long t = 1_000 * SECOND;
        log.dropped("first", t);
        for (int i = 0; i < 2_000; i++) {
            log.dropped("idle " + i, t + i);
        }
        assertEquals(List.of("first"), lines);
        assertTrue(log.nanosUntilFlush(t + 5 * SECOND) > 0, "a summary is owed, later");
        log.flush(t + 5 * SECOND);
        assertEquals(1, lines.size(), "not before the interval");
        log.flush(t + 10 * SECOND);
        assertEquals("2000 more connections dropped; the last: idle 1999", lines.get(1));
        assertEquals(-1, log.nanosUntilFlush(t + 10 * SECOND));
        // Quiet again: the next drop is written at once, with what was suppressed since.
        log.dropped("late", t + 30 * SECOND);
        assertEquals("late", lines.get(2));
        log.dropped("later", t + 31 * SECOND);
        log.dropped("again", t + 45 * SECOND);
        assertEquals("again (and 1 more dropped since the last such message)", lines.get(3));
    }
}
