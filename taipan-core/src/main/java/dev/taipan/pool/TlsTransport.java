package dev.taipan.pool;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A {@link Transport} that is TLS over a non-blocking TCP socket channel: an {@link SSLEngine}
 * between the connection's plaintext and the socket's records. Made by {@link TlsContext}, which
 * runs the handshake first (with a deadline; {@link #handshake}), so that a transport exists only
 * for a peer that has proved its certificate.
 *
 * <p>The {@link Transport} contract, kept exactly:
 * <ul>
 *   <li>{@link #read} unwraps what has arrived and never waits; it reads the socket at most once
 *       per call. A record that has only partly arrived gives 0, which after a positive wait is
 *       normal. Decrypted bytes that did not fit the caller's buffer are kept and handed out
 *       first; while any are kept, or a whole record is buffered, {@link #awaitReadable} answers
 *       true at once.</li>
 *   <li>{@link #write} wraps as many records as fit in its buffer and writes them in one system
 *       call. Bytes count as taken only once their records have all left: if the socket takes
 *       part of them, {@code write} answers 0 and the caller, who writes the same bytes next (as
 *       every caller of a non-blocking write does), waits in {@link #awaitWritable}; the next
 *       {@code write} sends the rest and then reports them taken. So a caller that has seen all
 *       its bytes taken knows they are on the socket, as with a plain one.</li>
 *   <li>Steady state allocates nothing: the three buffers (records in, plaintext kept, records
 *       out) are made once, and the engine wraps and unwraps in place.</li>
 *   <li>{@link #wakeup}, {@link #isOpen} and {@link #close} may be called from any thread;
 *       {@code close} sends the peer a {@code close_notify} when no write is under way (it never
 *       waits for one), then closes the socket, which ends any wait.</li>
 * </ul>
 *
 * <p>Threads: the engine serialises its own wraps and unwraps, so the reader and the writer
 * each use it freely; a TLS 1.3 message the reader must answer (a key update) is wrapped by
 * the next write, or by the reader itself when no write is under way.
 */
public final class TlsTransport implements Transport {
    private static final Consumer<SelectionKey> NO_ACTION = key -> { };
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** TLS record header: type, version (2), length (2). */
    private static final int RECORD_HEADER = 5;
    /** Records wrapped per write (so one system call carries up to 64 KiB of plaintext, as Connection hands out). */
    private static final int RECORDS_PER_WRITE = 4;

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final String peer;
    private final boolean client;
    private final Selector readSelector;
    /** Written by the writing thread only; volatile for {@link #close}. */
    private volatile Selector writeSelector;
    private final AtomicBoolean closed = new AtomicBoolean();

    // ---- reading (the read role's holder only; and the handshake)
    /** Records from the socket, in write mode: bytes [0, position) are not unwrapped yet. */
    private ByteBuffer netIn;
    /** Plaintext unwrapped and not handed out yet, in read mode. */
    private ByteBuffer appIn;
    /** The peer closed (close_notify or end of stream): reads answer -1 once {@link #appIn} is empty. */
    private boolean inboundDone;

    // ---- writing (under writeLock: the writer, and close's close_notify)
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Records wrapped and not yet written, in read mode. */
    private ByteBuffer netOut;
    /** Plaintext wrapped into {@link #netOut}'s records and not reported taken yet. */
    private int owed;

    private TlsTransport(SocketChannel channel, SSLEngine engine, String peer) throws IOException {
        this.channel = channel;
        this.engine = engine;
        this.peer = peer;
        this.client = engine.getUseClientMode();
        channel.configureBlocking(false);
        // As SocketTransport: Connection coalesces, Nagle would only delay.
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        SSLSession session = engine.getSession();
        int packet = session.getPacketBufferSize();
        this.netIn = ByteBuffer.allocateDirect(packet * RECORDS_PER_WRITE);
        this.appIn = ByteBuffer.allocateDirect(session.getApplicationBufferSize()).limit(0);
        this.netOut = ByteBuffer.allocateDirect(packet * RECORDS_PER_WRITE).limit(0);
        this.readSelector = Selector.open();
        try {
            channel.register(readSelector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            readSelector.close();
            throw e;
        }
    }

    /**
     * Runs the handshake of {@code engine} (client or server mode, set up by the caller) over
     * {@code channel} within {@code timeoutMillis} and returns the transport. {@code peer} names
     * the other side in errors. {@code clientName}, for a server: a name the client's
     * certificate must carry (null: any trusted certificate). Closes the channel on failure.
     */
    static TlsTransport handshake(SocketChannel channel, SSLEngine engine, String peer, long timeoutMillis,
            String clientName) throws IOException {
        TlsTransport t;
        try {
            t = new TlsTransport(channel, engine, peer);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        try {
            t.handshake(System.nanoTime() + timeoutMillis * 1_000_000L, timeoutMillis);
            if (clientName != null) {
                t.checkClientName(clientName);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private void handshake(long deadline, long timeoutMillis) throws IOException {
        try {
            engine.beginHandshake();
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP -> {
                        netOut.clear();
                        SSLEngineResult r = engine.wrap(EMPTY, netOut);
                        netOut.flip();
                        flushHandshake(deadline, timeoutMillis);
                        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new TlsException(TlsException.Reason.CLOSED, peer, "the engine closed", null);
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrapHandshake(deadline, timeoutMillis);
                    case NEED_TASK -> runTasks();
                    case FINISHED, NOT_HANDSHAKING -> {
                        return;
                    }
                }
            }
        } catch (SSLException e) {
            sendAlert(); // the engine has an alert ready for the peer: tell it why, briefly
            throw TlsException.classify(e, peer, client);
        }
    }

    private void unwrapHandshake(long deadline, long timeoutMillis) throws IOException {
        netIn.flip();
        appIn.compact();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
            appIn.flip();
        }
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                growNetIn();
                if (!awaitHandshake(readSelector, deadline)) {
                    throw timeout(timeoutMillis);
                }
                if (channel.read(netIn) < 0) {
                    engine.closeOutbound();
                    throw new TlsException(TlsException.Reason.CLOSED, peer, client
                            ? "the server closed the connection (did it refuse this side's certificate?)"
                            : "the client closed the connection", null);
                }
            }
            case BUFFER_OVERFLOW -> growAppIn();
            case CLOSED -> throw new TlsException(TlsException.Reason.CLOSED, peer, "the peer sent close_notify", null);
            case OK -> { }
        }
    }

    private void flushHandshake(long deadline, long timeoutMillis) throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0 && !awaitHandshake(writeSelector(), deadline)) {
                throw timeout(timeoutMillis);
            }
        }
    }

    private boolean awaitHandshake(Selector selector, long deadline) throws IOException {
        long left = TlsContext.millisLeft(deadline);
        if (left <= 0) {
            return false;
        }
        try {
            selector.select(NO_ACTION, left);
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
        if (Thread.currentThread().isInterrupted()) {
            // A select returns at once while the status is set: give up rather than spin (the status is kept).
            throw new java.io.InterruptedIOException("interrupted during the TLS handshake with " + peer);
        }
        return true;
    }

    private TlsException timeout(long timeoutMillis) {
        return new TlsException(TlsException.Reason.TIMEOUT, peer, "it did not finish within " + timeoutMillis
                + " ms" + (client ? " (is the peer a TLS server?)" : ""), null);
    }

    /** After a failed handshake: the alert the engine made, if the socket takes it now. */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            netOut.flip();
            channel.write(netOut);
        } catch (IOException | RuntimeException ignored) {
            // The peer learns it from the closed socket instead.
        }
    }

    private void checkClientName(String name) throws IOException {
        Certificate[] certs = engine.getSession().getPeerCertificates();
        if (certs.length == 0 || !(certs[0] instanceof X509Certificate leaf)) {
            throw new TlsException(TlsException.Reason.NO_CLIENT_CERTIFICATE, peer, "the client sent none", null);
        }
        if (!TlsContext.names(leaf, name)) {
            sendAlert();
            throw new TlsException(TlsException.Reason.NAME_MISMATCH, peer, "the client's certificate ("
                    + leaf.getSubjectX500Principal().getName() + ") does not name " + name, null);
        }
    }

    /** {@return the other side, as errors name it} */
    public String peer() {
        return peer;
    }

    /** {@return the certificate the other side presented (the handshake checked it)} */
    public X509Certificate peerCertificate() throws SSLPeerUnverifiedException {
        return (X509Certificate) engine.getSession().getPeerCertificates()[0];
    }

    // ---------------------------------------------------------------- reading

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        int start = dst.position();
        if (appIn.hasRemaining()) {
            move(appIn, dst);
        }
        boolean readSocket = false;
        try {
            while (dst.hasRemaining() && !inboundDone) {
                if (netIn.position() > 0 && unwrap(dst)) {
                    continue; // a record came out (or was a handshake message): maybe another is whole
                }
                // Nothing whole is buffered: read the socket, once per call.
                if (readSocket) {
                    break;
                }
                readSocket = true;
                growNetIn();
                int n = channel.read(netIn);
                if (n < 0) {
                    inboundDone = true; // end of stream without close_notify: Connection sees a short frame, if any
                } else if (n == 0) {
                    break;
                }
            }
        } catch (SSLException e) {
            throw TlsException.classify(e, peer, client);
        }
        int got = dst.position() - start;
        return got == 0 && inboundDone && !appIn.hasRemaining() ? -1 : got;
    }

    /** Unwraps one record into {@code dst} (or {@link #appIn} if it may not fit): whether a record was consumed. */
    private boolean unwrap(ByteBuffer dst) throws IOException {
        boolean direct = dst.remaining() >= appIn.capacity();
        ByteBuffer to = direct ? dst : appIn.compact();
        SSLEngineResult r;
        netIn.flip();
        try {
            r = engine.unwrap(netIn, to);
        } finally {
            netIn.compact();
            if (!direct) {
                appIn.flip();
            }
        }
        if (!direct) {
            move(appIn, dst);
        }
        switch (r.getStatus()) {
            case CLOSED -> {
                inboundDone = true; // close_notify
                return false;
            }
            case BUFFER_OVERFLOW -> {
                growAppIn();
                return true; // try again (into appIn)
            }
            case BUFFER_UNDERFLOW -> {
                return false;
            }
            default -> { }
        }
        SSLEngineResult.HandshakeStatus hs = r.getHandshakeStatus();
        if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            runTasks();
            hs = engine.getHandshakeStatus();
        }
        if (hs == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            answerFromReader();
        }
        return r.bytesConsumed() > 0 || r.bytesProduced() > 0;
    }

    /** A post-handshake message to answer (a key update): sent now unless a write is under way (it will send it). */
    private void answerFromReader() throws IOException {
        if (!writeLock.tryLock()) {
            return;
        }
        try {
            if (netOut.hasRemaining()) {
                return; // the writer's next write wraps it after these
            }
            netOut.clear();
            engine.wrap(EMPTY, netOut);
            netOut.flip();
            channel.write(netOut);
            // Whatever the socket did not take, the next write (or awaitWritable's caller) sends first.
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public boolean awaitReadable(long timeoutMillis) throws IOException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (appIn.hasRemaining() || inboundDone || wholeRecordBuffered()) {
            return true;
        }
        try {
            return readSelector.select(NO_ACTION, timeoutMillis) > 0;
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
    }

    private boolean wholeRecordBuffered() {
        int have = netIn.position();
        if (have < RECORD_HEADER) {
            return false;
        }
        int length = ((netIn.get(3) & 0xFF) << 8) | (netIn.get(4) & 0xFF);
        return have >= RECORD_HEADER + length;
    }

    @Override
    public void wakeup() {
        try {
            readSelector.wakeup();
        } catch (ClosedSelectorException ignored) {
            // Closed: the holder's next read or wait fails anyway.
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public int write(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            if (netOut.hasRemaining()) {
                channel.write(netOut);
                if (netOut.hasRemaining()) {
                    return 0;
                }
            }
            int taken = 0;
            if (owed > 0) {
                // The caller writes again the bytes it was told were not taken: they are on the socket now.
                if (src.remaining() < owed) {
                    throw new IllegalStateException("write called with " + src.remaining() + " bytes, not the "
                            + owed + " left from the last write");
                }
                src.position(src.position() + owed);
                taken = owed;
                owed = 0;
            }
            if (!src.hasRemaining()) {
                return taken;
            }
            int before = src.position();
            netOut.clear();
            try {
                while (src.hasRemaining() && netOut.remaining() >= engine.getSession().getPacketBufferSize()) {
                    SSLEngineResult r = engine.wrap(src, netOut);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        throw new ClosedChannelException();
                    }
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                        break;
                    }
                    if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                }
            } catch (SSLException e) {
                throw TlsException.classify(e, peer, client);
            } finally {
                netOut.flip();
            }
            int wrapped = src.position() - before;
            channel.write(netOut);
            if (netOut.hasRemaining()) {
                owed = wrapped;
                src.position(before);
                return taken;
            }
            if (wrapped == 0 && netOut.capacity() < engine.getSession().getPacketBufferSize()) {
                growNetOut();
            }
            return taken + wrapped;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void awaitWritable(long timeoutMillis) throws IOException {
        try {
            writeSelector().select(NO_ACTION, timeoutMillis);
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private Selector writeSelector() throws IOException {
        Selector selector = writeSelector;
        if (selector != null) {
            return selector;
        }
        selector = Selector.open();
        try {
            channel.register(selector, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        writeSelector = selector;
        if (!channel.isOpen()) {
            closeQuietly(selector); // close() ran meanwhile and may have missed it
        }
        return selector;
    }

    // ---------------------------------------------------------------- buffers and tasks

    private static void move(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        if (n == from.remaining()) {
            to.put(from);
        } else {
            int limit = from.limit();
            from.limit(from.position() + n);
            to.put(from);
            from.limit(limit);
        }
    }

    /** Room for a whole record in {@link #netIn} (rarely: a peer's records may grow after the handshake). */
    private void growNetIn() {
        int packet = engine.getSession().getPacketBufferSize();
        if (netIn.capacity() - netIn.position() < packet && netIn.capacity() < packet * RECORDS_PER_WRITE) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(packet * RECORDS_PER_WRITE);
            netIn.flip();
            bigger.put(netIn);
            netIn = bigger;
        }
    }

    private void growAppIn() {
        int size = engine.getSession().getApplicationBufferSize();
        if (appIn.capacity() < size) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(size);
            bigger.put(appIn).flip();
            appIn = bigger;
        }
    }

    private void growNetOut() {
        netOut = ByteBuffer.allocateDirect(engine.getSession().getPacketBufferSize() * RECORDS_PER_WRITE).limit(0);
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run(); // certificate checks: done here, the handshake waits for them anyway
        }
    }

    // ---------------------------------------------------------------- closing

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && channel.isOpen() && writeLock.tryLock()) {
            try {
                if (!netOut.hasRemaining()) {
                    engine.closeOutbound();
                    netOut.clear();
                    engine.wrap(EMPTY, netOut); // close_notify
                    netOut.flip();
                    channel.write(netOut); // never waits: non-blocking
                }
            } catch (IOException | RuntimeException ignored) {
                // The peer sees the socket close instead.
            } finally {
                writeLock.unlock();
            }
        }
        closeQuietly(channel);
        // Closing the selectors wakes a thread waiting in them and releases the socket's descriptor.
        closeQuietly(readSelector);
        closeQuietly(writeSelector);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Best effort.
            }
        }
    }
}
