package dev.taipan;

/**
 * A consistent snapshot of a pool's counters, taken under the pool's lock. Its
 * {@code toString} is what timeout errors print.
 *
 * <p>Every call that ended is counted exactly once, as its caller saw it: a success in
 * {@code callsCompleted}, anything else (a Python error, a timeout, a cancellation, a lost
 * worker, a rejection, a failing chunk consumer) in {@code callsFailed}.
 *
 * @param workers         the live workers, those leaving included (retiring after a shrink, or
 *                        draining after a recycle)
 * @param ready           the ready workers that take new calls (a retiring one is not counted)
 * @param starting        the workers launched but not ready yet
 * @param inFlight        the calls running on a worker now
 * @param waiting         the calls waiting for a free slot
 * @param sessions        the open sessions
 * @param callsCompleted  the calls that ended in success
 * @param callsFailed     the calls that ended any other way
 * @param callsRetried    idempotent calls run again after their worker was lost
 * @param workersReplaced workers started because one died (crash, kill, unresponsive)
 * @param workersRecycled healthy workers retired at a recycling limit (their successors are
 *                        not counted as replacements)
 * @param callsCancelled  of {@code callsFailed}: calls that ended cancelled (by the caller, or
 *                        reported cancelled by the worker)
 * @param callsTimedOut   of {@code callsFailed}: calls that ended with a timeout
 * @param targetWorkers   how many workers the pool keeps: {@link PoolConfig#workers()} until
 *                        {@link TaipanPool#resize} changes it
 */
public record PoolStats(int workers, int ready, int starting, int inFlight, int waiting, int sessions,
                        long callsCompleted, long callsFailed, long callsRetried, long workersReplaced,
                        long workersRecycled, long callsCancelled, long callsTimedOut, int targetWorkers) {
    /**
     * The counters of a pool whose target is its live worker count.
     *
     * @param workers         the live workers
     * @param ready           the ready workers
     * @param starting        the workers not ready yet
     * @param inFlight        the calls running
     * @param waiting         the calls waiting for a slot
     * @param sessions        the open sessions
     * @param callsCompleted  the calls that succeeded
     * @param callsFailed     the calls that failed
     * @param callsRetried    the calls run again
     * @param workersReplaced the workers started in place of dead ones
     * @param workersRecycled the workers recycled
     * @param callsCancelled  of the failed calls, those cancelled
     * @param callsTimedOut   of the failed calls, those timed out
     */
    public PoolStats(int workers, int ready, int starting, int inFlight, int waiting, int sessions,
                     long callsCompleted, long callsFailed, long callsRetried, long workersReplaced,
                     long workersRecycled, long callsCancelled, long callsTimedOut) {
        this(workers, ready, starting, inFlight, waiting, sessions, callsCompleted, callsFailed, callsRetried,
                workersReplaced, workersRecycled, callsCancelled, callsTimedOut, workers);
    }

    /**
     * The counters without the breakdown of failures (which reads as zero).
     *
     * @param workers         the live workers
     * @param ready           the ready workers
     * @param starting        the workers not ready yet
     * @param inFlight        the calls running
     * @param waiting         the calls waiting for a slot
     * @param sessions        the open sessions
     * @param callsCompleted  the calls that succeeded
     * @param callsFailed     the calls that failed
     * @param callsRetried    the calls run again
     * @param workersReplaced the workers started in place of dead ones
     * @param workersRecycled the workers recycled
     */
    public PoolStats(int workers, int ready, int starting, int inFlight, int waiting, int sessions,
                     long callsCompleted, long callsFailed, long callsRetried, long workersReplaced,
                     long workersRecycled) {
        this(workers, ready, starting, inFlight, waiting, sessions, callsCompleted, callsFailed, callsRetried,
                workersReplaced, workersRecycled, 0, 0, workers);
    }

    @Override
    public String toString() {
        return "workers=" + workers + " (target=" + targetWorkers + ", ready=" + ready + ", starting=" + starting + "), inFlight=" + inFlight
                + ", waiting=" + waiting + ", sessions=" + sessions + ", completed=" + callsCompleted
                + ", failed=" + callsFailed + " (cancelled=" + callsCancelled + ", timedOut=" + callsTimedOut
                + "), retried=" + callsRetried + ", replaced=" + workersReplaced + ", recycled=" + workersRecycled;
    }
}
