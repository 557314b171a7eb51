package dev.taipan;

/**
 * From which level the Python {@code logging} records (and {@code warnings}) of a pool's
 * workers are sent to the JVM and logged through SLF4J, under {@code dev.taipan.worker.<python
 * logger name>} (see docs/OBSERVABILITY.md, "Logs"). The threshold applies in the worker, so
 * records below it cost no socket traffic. Python's levels map as CRITICAL and ERROR to
 * {@link #ERROR}, WARNING to {@link #WARN}, INFO to {@link #INFO}, DEBUG to {@link #DEBUG}
 * and anything lower to {@link #TRACE}.
 *
 * <p>{@link #OFF}: the workers send no records; Python logging then behaves as in any Python
 * process (warnings and errors to stderr, which reaches the log as output lines).
 */
public enum WorkerLogLevel {
    /** Everything, below DEBUG too. */
    TRACE(1),
    /** DEBUG and above. */
    DEBUG(10),
    /** INFO and above: the default. */
    INFO(20),
    /** WARNING and above (Python warnings included). */
    WARN(30),
    /** ERROR and CRITICAL only. */
    ERROR(40),
    /** No record is sent. */
    OFF(-1);

    private final int pythonLevel;

    WorkerLogLevel(int pythonLevel) {
        this.pythonLevel = pythonLevel;
    }

    /** {@return the Python logging level number this threshold is ({@code logging.INFO} is 20); -1 for {@link #OFF}} */
    public int pythonLevel() {
        return pythonLevel;
    }
}
