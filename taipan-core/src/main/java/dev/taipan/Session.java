package dev.taipan;

import java.util.Optional;

/**
 * Calls pinned to one worker, sharing a per-session namespace in Python: functions
 * declared with {@code @function(session=True)} receive it as their {@code session}
 * argument (a dict). Close it to free the Python-side state; idle sessions are closed after
 * {@link PoolConfig#sessionIdleTimeout()}.
 *
 * <p>If the worker dies, a session opened without snapshots is lost: its calls fail with
 * {@link SessionLostException}; open a new session to start over. A session opened with
 * {@link SessionOptions.Builder#snapshots snapshots} that has one moves to another worker with
 * its last snapshot: the calls in flight fail with {@link SessionRestoredException}, later
 * calls run normally, and {@link #restores()} / {@link #lastRestored()} say it happened.
 */
public interface Session extends PythonCaller, AutoCloseable {
    /** {@return the session's id, unique within its pool} */
    String id();

    /** {@return the worker holding this session's state (while the session moves: the one it left)} */
    String workerId();

    /** {@return whether the session takes calls: false once closed, evicted or lost} */
    boolean isOpen();

    /** {@return how the session was opened} */
    SessionOptions options();

    /**
     * Takes a snapshot of the session's state now and returns it (the pool keeps it as the
     * last one).
     *
     * @return the snapshot taken
     *
     * @throws SnapshotFailedException if the state holds a value a snapshot cannot carry
     * @throws IllegalStateException   if the session was opened without snapshots
     */
    SessionSnapshot snapshot();

    /** {@return the last snapshot the pool keeps, if any was taken} */
    Optional<SessionSnapshot> lastSnapshot();

    /** {@return how many times the session moved to another worker with its last snapshot} */
    int restores();

    /** {@return the snapshot the session's state was last restored to, if it ever moved} */
    Optional<SessionSnapshot> lastRestored();

    /** Frees the session's Python-side state. Idempotent. */
    @Override
    void close();
}
