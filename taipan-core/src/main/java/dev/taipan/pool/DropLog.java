package dev.taipan.pool;

import java.util.function.Consumer;

/**
 * Reports dropped connections without flooding the log: the first drop of a quiet period is
 * written at once, later ones are only counted and summed up in one line per interval. A
 * flood of hostile connections thus costs a few log lines, not one per connection.
 * Used by one thread (the listener's).
 */
final class DropLog {
    private final Consumer<String> sink;
    private final long intervalNanos;
    private long lastWritten;
    private boolean everWritten;
    private int suppressed;
    private String lastSuppressed;

    DropLog(Consumer<String> sink, long intervalNanos) {
        this.sink = sink;
        this.intervalNanos = intervalNanos;
    }

    void dropped(String reason, long nowNanos) {
        if (!everWritten || nowNanos - lastWritten >= intervalNanos) {
            write(reason + summary(), nowNanos);
        } else {
            suppressed++;
            lastSuppressed = reason;
        }
    }

    /** Nanoseconds until a summary of suppressed drops is due, or -1 if none is owed. */
    long nanosUntilFlush(long nowNanos) {
        return suppressed == 0 ? -1 : Math.max(0, lastWritten + intervalNanos - nowNanos);
    }

    /** Writes the summary of suppressed drops if one is due. */
    void flush(long nowNanos) {
        if (suppressed > 0 && nowNanos - lastWritten >= intervalNanos) {
            write(suppressed + " more connections dropped; the last: " + lastSuppressed, nowNanos);
            suppressed = 0;
            lastSuppressed = null;
        }
    }

    private String summary() {
        if (suppressed == 0) {
            return "";
        }
        String s = " (and " + suppressed + " more dropped since the last such message)";
        suppressed = 0;
        lastSuppressed = null;
        return s;
    }

    private void write(String line, long nowNanos) {
        sink.accept(line);
        lastWritten = nowNanos;
        everWritten = true;
    }
}
