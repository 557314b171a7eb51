package dev.taipan;

/**
 * Calls pinned to one worker, sharing a per-session namespace in Python: functions
 * declared with {@code @function(session=True)} receive it as their {@code session}
 * argument (a dict). Close it to free the Python-side state; idle sessions are closed after
 * {@link PoolConfig#sessionIdleTimeout()}. If the worker dies, calls fail with
 * {@link SessionLostException}; open a new session to start over.
 */
public interface Session extends PythonCaller, AutoCloseable {
    String id();

    /** The worker holding this session's state. */
    String workerId();

    /** False once closed, evicted or lost. */
    boolean isOpen();

    /** Frees the session's Python-side state. Idempotent. */
    @Override
    void close();
}
