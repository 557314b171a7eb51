package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps how many output lines of one worker (stdout and stderr together) reach the log: a
 * token bucket of {@code burst} lines refilled at {@code linesPerSecond}. A flooding worker
 * cannot fill the log or keep a logging thread busy; what is dropped is counted and said
 * in a warning at most once a second, and once more when its output ends.
 */
final class OutputLimiter {
    private static final Logger LOG = LoggerFactory.getLogger("dev.taipan.worker");
    static final int DEFAULT_LINES_PER_SECOND = 1_000;
    static final int DEFAULT_BURST = 5_000;
    private static final long REPORT_EVERY_NANOS = 1_000_000_000L;

    private final String workerId;
    private final double linesPerNano;
    private final double burst;
    private final java.util.function.LongSupplier clock;
    // Guarded by this.
    private double tokens;
    private long refilledAt;
    private long dropped;
    private long unreported;
    private long reportedAt;

    OutputLimiter(String workerId) {
        this(workerId, DEFAULT_LINES_PER_SECOND, DEFAULT_BURST, System::nanoTime);
    }

    OutputLimiter(String workerId, int linesPerSecond, int burst, java.util.function.LongSupplier clock) {
        if (linesPerSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("linesPerSecond and burst must be positive");
        }
        this.workerId = workerId;
        this.linesPerNano = linesPerSecond / 1e9;
        this.burst = burst;
        this.clock = clock;
        this.tokens = burst;
        this.refilledAt = clock.getAsLong();
        this.reportedAt = refilledAt;
    }

    /** Whether one more line may be logged now; a refused line is counted as dropped. */
    synchronized boolean admit() {
        long now = clock.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) * linesPerNano);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        dropped++;
        unreported++;
        if (now - reportedAt >= REPORT_EVERY_NANOS) {
            report(now);
        }
        return false;
    }

    /** Says what was dropped and not yet reported (called when a stream ends). */
    synchronized void flush() {
        if (unreported > 0) {
            report(clock.getAsLong());
        }
    }

    private void report(long now) {
        LOG.warn("[{}] output over {} lines/s: dropped {} lines ({} in all)", workerId,
                Math.round(linesPerNano * 1e9), unreported, dropped);
        unreported = 0;
        reportedAt = now;
    }

    /** Lines dropped so far. */
    synchronized long dropped() {
        return dropped;
    }
}
