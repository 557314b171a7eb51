package dev.taipan.pool;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * How a worker's frames travel: the non-blocking byte pipe under a {@link Connection}, which
 * keeps everything about frames (parsing, the read role, coalesced writes) and knows nothing
 * about sockets. {@link SocketTransport} is the one for a socket channel, Unix or TCP; a TLS
 * one would wrap an {@code SSLEngine} around a socket channel behind the same methods.
 *
 * <p>Why this shape, and not streams: the connection is the pool's hot path, a round trip
 * costs tens of microseconds, so the pipe must cost no allocation and no system call more than
 * the socket itself.
 * <ul>
 *   <li>{@link #read} and {@link #write} move bytes between the connection's own reused
 *       (direct) buffers and the pipe and never wait; the connection reads again at once when
 *       a read filled its buffer, and waits only when nothing is there.</li>
 *   <li>Waiting is separate ({@link #awaitReadable}, {@link #awaitWritable}), because that is
 *       where the caller's deadline, {@link #wakeup} and {@link #close} must cut in: the read
 *       role's holder is woken to give the role up, and a blocked stream could only be woken by
 *       closing it (which interrupting a thread in a blocking channel does).</li>
 *   <li>A wait answers "try now", not a byte count: a TLS pipe may wake for a record that is
 *       not whole yet, so a {@link #read} of 0 after a positive wait is normal and the caller
 *       simply waits again.</li>
 * </ul>
 *
 * <p>Threads: one thread at a time reads and awaits readable (the read role's holder); one at a
 * time writes and awaits writable (the connection's current writer); {@link #wakeup},
 * {@link #isOpen} and {@link #close} may be called by any thread at any time.
 */
interface Transport extends AutoCloseable {
    /** Reads what is there into {@code dst} without waiting: bytes read, 0 if none yet, -1 at the end of the stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes what the pipe takes now from {@code src} without waiting: bytes taken, 0 if it is full. */
    int write(ByteBuffer src) throws IOException;

    /**
     * Waits at most {@code timeoutMillis} (at least 1) until {@link #read} may find bytes, and
     * returns true; returns false, at once if need be, when out of time, after {@link #wakeup},
     * or when the thread is interrupted (its status is kept). A pipe that already holds bytes
     * it has not handed out (a TLS pipe's decrypted record) returns true at once.
     *
     * @throws java.nio.channels.ClosedChannelException if the pipe was closed before the wait
     *     (a wait under way when it closes ends, by returning or by this; the read after fails)
     */
    boolean awaitReadable(long timeoutMillis) throws IOException;

    /**
     * Makes the current {@link #awaitReadable}, or the next one if none is under way, return
     * false at once. Cheap, and harmless after {@link #close}.
     */
    void wakeup();

    /**
     * Waits at most {@code timeoutMillis} until {@link #write} may take bytes again (or not: the
     * caller writes and, if it takes nothing, waits again). Returns at once if the thread is
     * interrupted, so a writer that must finish a frame clears the status first.
     *
     * @throws java.nio.channels.ClosedChannelException if the pipe was closed before or while waiting
     */
    void awaitWritable(long timeoutMillis) throws IOException;

    boolean isOpen();

    /**
     * Closes the pipe and releases what it holds; a thread waiting in {@link #awaitReadable}
     * or {@link #awaitWritable} stops waiting. Never fails, and may be called again.
     */
    @Override
    void close();
}
