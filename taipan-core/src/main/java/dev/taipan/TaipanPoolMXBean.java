package dev.taipan;

/**
 * A pool seen from JMX (as HikariCP's {@code HikariPoolMXBean}): registered as
 * {@code dev.taipan:type=Pool,name=<pool name>} when {@link PoolConfig.Builder#registerMBean}
 * is on; a pool's name ({@code [A-Za-z0-9_.-]}) needs no quoting in it. Each attribute is read from a fresh
 * {@link PoolStats} or {@link PoolHealth}, so two attributes read apart may disagree.
 */
public interface TaipanPoolMXBean {
    /** {@return the live workers, those leaving included} {@link PoolStats#workers()} */
    int getWorkers();

    /** {@return how many workers the pool keeps (its size since the last {@link #resize})} */
    int getTargetWorkers();

    /** {@return the ready workers that take new calls} {@link PoolStats#ready()} */
    int getReadyWorkers();

    /** {@return the workers launched but not ready yet} */
    int getStartingWorkers();

    /** {@return the calls running on a worker now} */
    int getInFlight();

    /** {@return the calls waiting for a free slot} */
    int getWaiting();

    /** {@return the open sessions} */
    int getSessions();

    /** {@return the calls that ended in success since the pool started} */
    long getCallsCompleted();

    /** {@return the calls that ended any other way since the pool started (cancelled and timed out included)} */
    long getCallsFailed();

    /** {@return the idempotent calls run again after their worker was lost} */
    long getCallsRetried();

    /** {@return of the failed calls, those that ended cancelled} */
    long getCallsCancelled();

    /** {@return of the failed calls, those that ended with a timeout} */
    long getCallsTimedOut();

    /** {@return the workers started because one died (crash, kill, unresponsive)} */
    long getWorkersReplaced();

    /** {@return the healthy workers retired at a recycling limit or on request} */
    long getWorkersRecycled();

    /** {@return a {@link PoolHealth.Status} name: HEALTHY, DEGRADED, SATURATED, STARTING, CIRCUIT_OPEN, CLOSED} */
    String getHealthStatus();

    /** {@return why the pool has that status: a sentence for humans ({@link PoolHealth#reason()})} */
    String getHealthReason();

    /**
     * {@link TaipanPool#resize}.
     *
     * @param workers the new target, 1 to {@link PoolConfig#MAX_WORKERS}
     */
    void resize(int workers);

    /** {@link TaipanPool#recycleWorkers}, without waiting for it. */
    void recycleWorkers();
}
