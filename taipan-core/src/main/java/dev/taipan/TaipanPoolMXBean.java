package dev.taipan;

/**
 * A pool seen from JMX (as HikariCP's {@code HikariPoolMXBean}): registered as
 * {@code dev.taipan:type=Pool,name=<pool name>} when {@link PoolConfig.Builder#registerMBean}
 * is on; a pool's name ({@code [A-Za-z0-9_.-]}) needs no quoting in it. Each attribute is read from a fresh
 * {@link PoolStats} or {@link PoolHealth}, so two attributes read apart may disagree.
 */
public interface TaipanPoolMXBean {
    /** The live workers, those leaving included. */
    int getWorkers();

    /** How many workers the pool keeps (its size since the last {@link #resize}). */
    int getTargetWorkers();

    int getReadyWorkers();

    int getStartingWorkers();

    int getInFlight();

    int getWaiting();

    int getSessions();

    long getCallsCompleted();

    long getCallsFailed();

    long getCallsRetried();

    long getCallsCancelled();

    long getCallsTimedOut();

    long getWorkersReplaced();

    long getWorkersRecycled();

    /** A {@link PoolHealth.Status} name: HEALTHY, DEGRADED, SATURATED, STARTING, CIRCUIT_OPEN, CLOSED. */
    String getHealthStatus();

    String getHealthReason();

    /** {@link TaipanPool#resize}. */
    void resize(int workers);

    /** {@link TaipanPool#recycleWorkers}, without waiting for it. */
    void recycleWorkers();
}
