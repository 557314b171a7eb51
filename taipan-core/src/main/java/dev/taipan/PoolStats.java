package dev.taipan;

/**
 * A consistent snapshot of a pool's counters, taken under the pool's lock. Its
 * {@code toString} is what timeout errors print.
 *
 * @param callsRetried    idempotent calls run again after their worker was lost
 * @param workersReplaced workers started because one died (crash, kill, unresponsive)
 * @param workersRecycled healthy workers retired at a recycling limit (their successors are
 *                        not counted as replacements)
 */
public record PoolStats(int workers, int ready, int starting, int inFlight, int waiting, int sessions,
                        long callsCompleted, long callsFailed, long callsRetried, long workersReplaced,
                        long workersRecycled) {
    @Override
    public String toString() {
        return "workers=" + workers + " (ready=" + ready + ", starting=" + starting + "), inFlight=" + inFlight
                + ", waiting=" + waiting + ", sessions=" + sessions + ", completed=" + callsCompleted
                + ", failed=" + callsFailed + ", retried=" + callsRetried + ", replaced=" + workersReplaced + ", recycled=" + workersRecycled;
    }
}
