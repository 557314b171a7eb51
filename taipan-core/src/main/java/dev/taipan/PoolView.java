package dev.taipan;

/**
 * What a {@link PoolListener} may read of its pool at any time, from
 * {@link PoolListener#poolStarting}: live snapshots for gauges. Each read takes the pool's
 * lock briefly, as {@link TaipanPool#stats()} does.
 */
public interface PoolView {
    /** The pool's name ({@link PoolConfig#name()}). */
    String name();

    PoolStats stats();

    PoolHealth health();

    /** The slots of the ready workers: how many calls the pool runs at once right now. */
    int slots();
}
