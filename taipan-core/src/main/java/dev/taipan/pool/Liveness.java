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
 */
final class Liveness implements AutoCloseable {
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

    /** Kills workers silent for three heartbeat intervals and pings the rest. */
    void check() {
        long now = System.nanoTime();
        long limit = config.heartbeatInterval().toNanos() * 3;
        List<Worker> live = state.workersWhere(w -> w.state == WorkerState.READY || w.state == WorkerState.DRAINING);
        for (Worker w : live) {
            long silent = now - w.lastHeardNanos;
            if (silent > limit) {
                up.workerDied(w, new HeartbeatTimeout("no frame for " + TimeUnit.NANOSECONDS.toMillis(silent)
                        + " ms (heartbeat every " + config.heartbeatInterval().toMillis() + " ms)"), false);
            } else {
                Connection c = w.connection;
                long seq = heartbeatSeq.incrementAndGet();
                writer.execute(() -> {
                    try {
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
