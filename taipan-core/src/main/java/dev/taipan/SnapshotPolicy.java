package dev.taipan;

/**
 * When a session's state is snapshotted, so that it can move to another worker if its own
 * dies. A snapshot holds only protocol values that come back as themselves: {@code None},
 * {@code bool}, {@code int} (64 bits), {@code float}, {@code str}, {@code bytes},
 * {@code list} and {@code dict} with {@code str} keys.
 */
public enum SnapshotPolicy {
    /** No snapshots: if the worker dies the session is lost ({@link SessionLostException}). */
    NONE,
    /** Only when {@link Session#snapshot()} is called. */
    ON_REQUEST,
    /**
     * After every call of a session-aware function ({@code @function(session=True)}), sent
     * just before the call's result; {@link Session#snapshot()} works too.
     */
    AFTER_EACH_CALL
}
