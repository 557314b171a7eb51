package dev.taipan.pool;

/**
 * The host's end of one streaming attempt's credit window (one per call and worker: a
 * retried call starts a new one, at seq 0). The worker may send chunks up to
 * {@code acked + window}; the host acknowledges what its consumer finished, in batches, so a
 * slow consumer holds at most {@code window} chunks in the JVM while the generator waits in
 * Python.
 *
 * <p>{@link #receive} runs on whichever thread holds the connection's read role (one at a
 * time); {@link #consumed} on the call's {@link SerialExecutor} (one at a time, in order).
 */
final class ChunkFlow {
    final Worker worker;
    final int window;
    /** Whether the worker takes {@code chunk_ack} (hello capability); if not it never pauses. */
    final boolean acks;
    /** Acknowledge after this many consumed chunks, or whenever the consumer has caught up. */
    private final int batch;
    private volatile long received;
    private volatile long acked = -1;

    ChunkFlow(Worker worker, int window, boolean acks) {
        this.worker = worker;
        this.window = window;
        this.acks = acks;
        this.batch = Math.max(1, window / 2);
    }

    /** A chunk arrived; false if the worker sent it beyond its window (a protocol violation). */
    boolean receive(long seq) {
        received = Math.max(received, seq + 1);
        return !acks || seq <= acked + window;
    }

    /**
     * The consumer finished chunk {@code seq}: returns the seq to acknowledge now, or -1. Waiting
     * until the consumer has caught up (or half the window is used) keeps the acks few while
     * never leaving a paused worker unacknowledged (it may also pause on its byte window).
     */
    long consumed(long seq) {
        if (!acks || (seq + 1 < received && seq - acked < batch)) {
            return -1;
        }
        acked = seq; // before the ack is written: receive() must never see less than the worker does
        return seq;
    }
}
