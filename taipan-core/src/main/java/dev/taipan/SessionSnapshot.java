package dev.taipan;

import java.time.Instant;
import java.util.Map;

/**
 * One snapshot of a session's Python state, as the pool keeps it (only the last one).
 *
 * @param seq      1, 2, 3, ... per session, across workers: a restored session goes on numbering
 * @param state    the session's {@code dict}, decoded as protocol values; unmodifiable, all the way down
 * @param workerId the worker it was taken on
 * @param takenAt  when the pool received it
 */
public record SessionSnapshot(long seq, Map<String, Object> state, String workerId, Instant takenAt) {
}
