package dev.taipan;

/**
 * What a {@link PoolListener} may read of its pool at any time, from
 * {@link PoolListener#poolStarting}: live snapshots for gauges. Each read takes the pool's
 * lock briefly, as {@link TaipanPool#stats()} does.
 */
public interface PoolView {
    /** {@return the pool's name ({@link PoolConfig#name()})} */
    String name();

    /** {@return a fresh snapshot of the pool's counters, as {@link TaipanPool#stats()}} */
    PoolStats stats();

    /** {@return the pool's health now, as {@link TaipanPool#health()}} */
    PoolHealth health();

    /** {@return the slots of the ready workers: how many calls the pool runs at once right now} */
    int slots();
}
