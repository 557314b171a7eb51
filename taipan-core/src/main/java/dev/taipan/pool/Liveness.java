package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.protocol.Messages;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Heartbeats: every interval, each serving worker is pinged, and one that has sent nothing
 * (no answer, no frame of any kind) for three intervals is declared dead: a worker can hang
 * with its process alive and its socket open, and only silence shows it.
 *
 * <p>Silence is counted in pings, not only in time: a worker is dead when three checks in a
 * row each found the ping written before it unanswered, and nothing at all has come from it
 * for three intervals. A clock alone would blame the worker for the JVM's own delays: on a
 * loaded machine the timer thread can run late, and a check that runs after such a pause sees
 * three intervals gone although the worker was pinged once and its answer is waiting in the
 * socket for a reader thread that has not run yet. For the same reason the checks run with a
 * fixed delay between them (the engine schedules them so): a late timer never runs missed
 * checks back to back, so between two checks the readers always get an interval to read.
 */
final class Liveness implements AutoCloseable {
    /** Unanswered pings in a row (and intervals of silence) after which a worker is dead. */
    static final int MISSED_LIMIT = 3;

    private final PoolState state;
    private final PoolConfig config;
    private final WorkerEvents up;
    private final AtomicLong heartbeatSeq = new AtomicLong();
    /**
     * The pings are written by their own thread: a worker that stopped reading must not be
     * able to block the timer thread on a full socket buffer.
     */
    private final ExecutorService writer;

    Liveness(PoolState state, WorkerEvents up) {
        this.state = state;
        this.config = state.config;
        this.up = up;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, config.name() + "-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Kills workers that left three pings in a row unanswered, silent for three heartbeat
     * intervals, and pings the rest. Runs on the engine's one timer thread only, which alone
     * touches a worker's check counters.
     */
    void check() {
        long now = System.nanoTime();
        long interval = config.heartbeatInterval().toNanos();
        long limit = interval * MISSED_LIMIT;
        List<Worker> live = state.workersWhere(w -> w.state == WorkerState.READY || w.state == WorkerState.DRAINING);
        for (Worker w : live) {
            long heard = w.lastHeardNanos;
            if (heard != w.heardAtLastCheck) {
                w.heardAtLastCheck = heard;
                w.pingsMissed = 0;
            } else if (w.pingWrittenNanos - heard > 0 && now - w.pingWrittenNanos >= interval / 2) {
                // A ping went out after the last frame, had time to be answered, and was not.
                w.pingsMissed++;
            }
            long silent = now - heard;
            if (w.pingsMissed >= MISSED_LIMIT && silent > limit) {
                up.workerDied(w, new HeartbeatTimeout("no frame for " + TimeUnit.NANOSECONDS.toMillis(silent)
                        + " ms, " + w.pingsMissed + " heartbeats unanswered (heartbeat every "
                        + config.heartbeatInterval().toMillis() + " ms)"), false);
            } else {
                Connection c = w.connection;
                long seq = heartbeatSeq.incrementAndGet();
                writer.execute(() -> {
                    try {
                        // Stamped before the write (which only queues, never blocks): an answer
                        // can then never be heard before its ping's time.
                        w.pingWrittenNanos = System.nanoTime();
                        c.writeHeartbeat(Messages.heartbeat(seq));
                        c.wakeParkedReader(); // someone must read the answer
                    } catch (IOException e) {
                        // The reader sees the broken socket too.
                    }
                });
            }
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}
