package dev.taipan.pool;

import java.util.Map;

/**
 * What the lower parts of the engine (the reader, the dispatcher, sessions, liveness) report
 * up about a worker. They know only this interface, never the parts above them, so no import
 * runs back up; {@link PoolEngine} implements it and hands each report to the part that owns
 * the decision (the supervisor, the recycler).
 */
interface WorkerEvents {
    /** The worker sent its {@code hello}: it may take calls. */
    void workerReady(Worker w, Map<String, Object> hello);

    /**
     * The worker is gone or unusable: end of stream, a read or write error, a protocol error,
     * its process exited, it failed to start, or it stopped answering. The first report wins.
     */
    void workerDied(Worker w, Throwable cause, boolean protocolError);

    /** A call of the worker's ended and its slot is free again. */
    void slotFreed(Worker w);

    /** The last session of a retiring worker closed (or was evicted): it may now drain and exit. */
    void sessionsEnded(Worker w);

    /** The worker's heartbeat says {@code calls} calls overran their deadline and their threads still run. */
    void overran(Worker w, long calls);
}
