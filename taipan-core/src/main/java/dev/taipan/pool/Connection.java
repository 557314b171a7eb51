package dev.taipan.pool;

import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker's connection: frames over a {@link Transport}, the non-blocking byte pipe that
 * carries them (a socket channel today, see {@link SocketTransport}). Because the pipe never
 * blocks, interrupting a thread that reads or writes never closes it.
 *
 * <p><b>Reading</b> is a role: only the thread holding it ({@link #tryLead}/{@link #lead},
 * {@link #unlead}) calls {@link #next}, which waits on the transport and parses frames
 * straight out of one reused buffer. The holder is the worker's reader thread, or a
 * synchronous caller reading its own reply (no hand-off between threads: see
 * WorkerReader.readOwnReply). A holder's wait can be cut short with {@link #wakeLeader}.
 *
 * <p><b>Writing</b>: any thread may {@link #write} whole frames. Frames queue up; whichever
 * thread finds no write in progress copies every queued frame into one reused direct buffer
 * and writes them with as few system calls as the transport takes, so concurrent callers' frames
 * are coalesced, each frame stays whole, and the order in which {@code write} was called is
 * the order on the wire. {@code write} may return before the bytes reach the transport (another
 * thread is writing them); a failure is reported to the thread doing the write.
 */
final class Connection implements AutoCloseable {
    /** {@link #next} found no frame within its time, or was woken. Compared by identity. */
    static final Map<String, Object> NOTHING = Collections.unmodifiableMap(new HashMap<>());

    static final int BUFFER_BYTES = 64 * 1024;
    /** A read buffer grown for a bigger frame is dropped once it is this big and empty. */
    private static final int KEEP_BYTES = 1024 * 1024;

    private final Transport transport;
    private final int maxFrameBytes;

    // ---- reading: the role, and the state only its holder touches
    private final Semaphore readRole = new Semaphore(1);
    private final ByteBuffer wireIn = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private byte[] in = new byte[BUFFER_BYTES];
    private int inStart;
    private int inEnd;
    private boolean eof;
    /** The last read filled all the room it was given: more may be waiting, read before waiting. */
    private boolean readFull;
    /** The reader thread while it waits for work (see {@link #parkReader}). */
    private volatile Thread parkedReader;
    /** Heartbeats written and not answered yet: the reader keeps reading while there are any. */
    private final AtomicInteger heartbeatsOwed = new AtomicInteger();

    // ---- writing
    private final ConcurrentLinkedQueue<byte[]> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();
    /** Guarded by {@link #writing}. */
    private final ByteBuffer wireOut = ByteBuffer.allocateDirect(BUFFER_BYTES);

    /** Frames over {@code transport}, which the connection now owns (closing it closes the transport). */
    Connection(Transport transport, int maxFrameBytes) {
        this.transport = transport;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Frames over a connected Unix or TCP socket channel (see {@link SocketTransport}). */
    Connection(SocketChannel channel, int maxFrameBytes) throws IOException {
        this(new SocketTransport(channel), maxFrameBytes);
    }

    // ------------------------------------------------------------------ the read role

    /** Takes the read role if nobody holds it. */
    boolean tryLead() {
        return readRole.tryAcquire();
    }

    /** Takes the read role, waiting for its holder to give it up (holders do so promptly). */
    void lead() {
        readRole.acquireUninterruptibly();
    }

    void unlead() {
        readRole.release();
    }

    /** Makes the role holder's current or next {@link #next} return {@link #NOTHING} at once. */
    void wakeLeader() {
        transport.wakeup();
    }

    /**
     * The reader thread waits here (up to {@code maxNanos}) while {@code hasWork} is false;
     * {@link #wakeParkedReader} ends the wait.
     */
    void parkReader(java.util.function.BooleanSupplier hasWork, long maxNanos) {
        parkedReader = Thread.currentThread();
        try {
            if (!hasWork.getAsBoolean()) {
                LockSupport.parkNanos(this, maxNanos);
            }
        } finally {
            parkedReader = null;
        }
    }

    /** Wakes the reader thread if it waits in {@link #parkReader}; cheap otherwise. */
    void wakeParkedReader() {
        Thread t = parkedReader;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Whether a heartbeat written with {@link #writeHeartbeat} still awaits its answer. */
    boolean heartbeatOwed() {
        return heartbeatsOwed.get() > 0;
    }

    // ------------------------------------------------------------------ reading

    /**
     * The next message, waiting at most {@code timeoutMillis} (0: do not wait). Returns null at
     * a clean end of stream, {@link #NOTHING} if no whole frame arrived in time or
     * {@link #wakeLeader} was called. Only the role holder may call it. Throws
     * {@link ProtocolException} for a bad frame or a stream that ends inside one.
     */
    Map<String, Object> next(long timeoutMillis) throws IOException {
        long deadline = 0;
        boolean waited = false;
        while (true) {
            Map<String, Object> msg = parseBuffered();
            if (msg != null) {
                return msg;
            }
            if (eof) {
                return endOfStream();
            }
            if (readFull || timeoutMillis <= 0) {
                // Read first: bytes are probably waiting (or we may not wait anyway).
                int n = fill();
                if (n != 0) {
                    eof = n < 0;
                    continue;
                }
                if (timeoutMillis <= 0) {
                    return NOTHING;
                }
            }
            // Wait for the transport first, then read: a reply is rarely there already, and a read
            // that finds nothing would be one more system call per frame.
            if (waited && System.nanoTime() - deadline >= 0) {
                return NOTHING;
            }
            if (!waited) {
                deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
                waited = true;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (!transport.awaitReadable(Math.max(1, left))) {
                return NOTHING; // woken, interrupted, or out of time
            }
            int n = fill();
            eof = n < 0;
        }
    }

    /** A blocking {@link #next}: the next message, or null at a clean end of stream. */
    Map<String, Object> read() throws IOException {
        lead();
        try {
            Map<String, Object> msg;
            do {
                if (!transport.isOpen()) {
                    throw new ClosedChannelException();
                }
                msg = next(100);
            } while (msg == NOTHING);
            return msg;
        } finally {
            unlead();
        }
    }

    private Map<String, Object> endOfStream() throws ProtocolException {
        int got = inEnd - inStart;
        if (got == 0) {
            return null;
        }
        if (got < FrameCodec.HEADER_BYTES) {
            throw new ProtocolException("stream ended inside a frame header (" + got + " of 4 bytes)");
        }
        long length = FrameCodec.bodyLength(in, inStart, maxFrameBytes);
        throw new ProtocolException("stream ended inside a frame body (" + (got - FrameCodec.HEADER_BYTES) + " of "
                + length + " bytes)");
    }

    /** Decodes the first whole frame in the buffer, or makes room for the rest of it. */
    private Map<String, Object> parseBuffered() {
        int avail = inEnd - inStart;
        if (avail < FrameCodec.HEADER_BYTES) {
            if (avail == 0 && in.length > KEEP_BYTES) {
                in = new byte[BUFFER_BYTES];
                inStart = inEnd = 0;
            }
            return null;
        }
        // Checked from the header alone, before any room is made for the body.
        int length = FrameCodec.bodyLength(in, inStart, maxFrameBytes);
        int frame = FrameCodec.HEADER_BYTES + length;
        if (avail < frame) {
            if (in.length - inStart < frame) {
                byte[] to = frame > in.length ? new byte[frame] : in;
                System.arraycopy(in, inStart, to, 0, avail);
                in = to;
                inStart = 0;
                inEnd = avail;
            }
            return null;
        }
        Map<String, Object> msg = FrameCodec.decodeBody(in, inStart + FrameCodec.HEADER_BYTES, length);
        inStart += frame;
        if (inStart == inEnd) {
            inStart = inEnd = 0;
        }
        if (Messages.HEARTBEAT.equals(msg.get("type"))) {
            heartbeatsOwed.updateAndGet(v -> Math.max(0, v - 1));
        }
        return msg;
    }

    /** One non-blocking read into the buffer: bytes read, 0 if none are waiting, -1 at EOF. */
    private int fill() throws IOException {
        if (inEnd == in.length) {
            // Only a partial header can sit at the very end (parseBuffered made room otherwise).
            System.arraycopy(in, inStart, in, 0, inEnd - inStart);
            inEnd -= inStart;
            inStart = 0;
        }
        int room = Math.min(wireIn.capacity(), in.length - inEnd);
        wireIn.clear().limit(room);
        int n = transport.read(wireIn);
        readFull = n == room;
        if (n > 0) {
            wireIn.flip();
            wireIn.get(in, inEnd, n);
            inEnd += n;
        }
        return n;
    }

    // ------------------------------------------------------------------ writing

    /** Queues a whole frame and writes it, with any others queued meanwhile, unless a write is under way. */
    void write(byte[] frame) throws IOException {
        outbox.add(frame);
        flush();
    }

    void write(Map<String, ?> message) throws IOException {
        write(FrameCodec.encode(message, maxFrameBytes));
    }

    /** Writes a heartbeat the reader must then read the answer to. */
    void writeHeartbeat(Map<String, ?> message) throws IOException {
        heartbeatsOwed.incrementAndGet();
        write(message);
    }

    private void flush() throws IOException {
        // A writer that finds the outbox non-empty after letting go looks again: no frame is
        // left behind by the race between queuing and finishing a write.
        while (!outbox.isEmpty() && writing.compareAndSet(false, true)) {
            boolean interrupted = false;
            try {
                byte[] frame;
                while ((frame = outbox.poll()) != null) {
                    if (frame.length > wireOut.remaining()) {
                        interrupted |= drainOut();
                        if (frame.length > wireOut.capacity()) {
                            interrupted |= writeFully(ByteBuffer.wrap(frame));
                            continue;
                        }
                    }
                    wireOut.put(frame);
                }
                interrupted |= drainOut();
            } finally {
                wireOut.clear();
                writing.set(false);
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private boolean drainOut() throws IOException {
        if (wireOut.position() == 0) {
            return false;
        }
        wireOut.flip();
        boolean interrupted = writeFully(wireOut);
        wireOut.clear();
        return interrupted;
    }

    /** Writes all of {@code buf}; returns whether the thread's interrupt status had to be cleared meanwhile. */
    private boolean writeFully(ByteBuffer buf) throws IOException {
        boolean interrupted = false;
        while (buf.hasRemaining()) {
            if (transport.write(buf) == 0) {
                // The transport is full (the worker is not reading yet): wait until it drains.
                if (Thread.interrupted()) {
                    interrupted = true; // a frame cannot be left half written; the status is restored after
                }
                transport.awaitWritable(100);
            }
        }
        return interrupted;
    }

    @Override
    public void close() {
        transport.close(); // wakes a thread waiting on the transport
        wakeParkedReader();
    }
}
