package dev.taipan.pool;

import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TlsTransport} between two JVM ends over real TCP sockets, one a client and one a
 * server ({@link TlsContext#connect}, {@link TlsContext#accept}): the {@link Transport} contract
 * (reads and writes never wait, held plaintext makes a wait answer at once, wakeup, close),
 * frames of several MiB both ways through {@link Connection}, and every refusal the server must
 * make, each with its reason, after which the same listener serves the next good client.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails the test rather than the build
class TlsTransportTest {
    private static final long WAIT_MS = 30_000;
    @TempDir
    static Path certDir;
    private static TlsFiles files;

    private ServerSocketChannel listener;
    private final ExecutorService exec = Executors.newCachedThreadPool();
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void certificates() throws Exception {
        files = TlsFiles.make(certDir);
    }

    @BeforeEach
    void listen() throws IOException {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        listener.close();
        exec.shutdownNow();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private SocketChannel dial() throws IOException {
        return keep(SocketChannel.open(listener.getLocalAddress()));
    }

    /** The server's side of the next connection, handshaking on its own thread. */
    private Future<TlsTransport> serve(TlsContext server) {
        return exec.submit(() -> keep(server.accept(keep(listener.accept()))));
    }

    private record Pair(TlsTransport client, TlsTransport server) {
    }

    private Pair pair() throws Exception {
        Future<TlsTransport> server = serve(files.host());
        TlsTransport client = keep(files.client().connect(dial(), "127.0.0.1"));
        return new Pair(client, server.get(WAIT_MS, TimeUnit.MILLISECONDS));
    }

    /**
     * A pair whose client has read the server's post-handshake records (TLS 1.3 session
     * tickets), so its socket holds nothing: a wait then has nothing to wake it but the test.
     */
    private Pair settled() throws Exception {
        Pair p = pair();
        writeAll(p.server, ByteBuffer.wrap(new byte[] {0}));
        assertArrayEquals(new byte[] {0}, readExactly(p.client, 1));
        return p;
    }

    /** The server's failure for the next connection. */
    private TlsException refusal(Future<TlsTransport> server) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> server.get(WAIT_MS, TimeUnit.MILLISECONDS));
        return assertInstanceOf(TlsException.class, e.getCause(), () -> "the server's failure: " + e.getCause());
    }

    /** After any refusal: the same listener and context serve a good client, frames and all. */
    private void aGoodClientIsServedNext(TlsContext server) throws Exception {
        Future<TlsTransport> s = serve(server);
        Connection client = keep(new Connection(files.client().connect(dial(), "localhost"), FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        Connection peer = keep(new Connection(s.get(WAIT_MS, TimeUnit.MILLISECONDS), FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        client.write(Messages.result(7, "pong"));
        assertEquals(7L, Messages.integer(peer.read(), "id"));
    }

    private static void writeAll(Transport t, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            if (t.write(src) == 0) {
                t.awaitWritable(100);
            }
        }
    }

    private static byte[] readExactly(Transport t, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (buf.hasRemaining()) {
            int r = t.read(buf);
            if (r < 0) {
                throw new IOException("end of stream after " + buf.position() + " of " + n + " bytes");
            }
            if (r == 0) {
                assertTrue(System.nanoTime() < deadline, "bytes arrived in time");
                t.awaitReadable(1_000);
            }
        }
        return buf.array();
    }

    // ---------------------------------------------------------------- the Transport contract

    @Test
    void bytesCrossBothWaysAndReadsNeverWait() throws Exception {
        Pair p = pair();
        assertEquals(0, p.client.read(ByteBuffer.allocate(16)), "nothing there: 0 at once");
        writeAll(p.client, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertTrue(p.server.awaitReadable(WAIT_MS));
        assertArrayEquals(new byte[] {1, 2, 3}, readExactly(p.server, 3));
        writeAll(p.server, ByteBuffer.wrap(new byte[] {4, 5}));
        assertArrayEquals(new byte[] {4, 5}, readExactly(p.client, 2));
        assertEquals("CN=taipan-pool", p.server.peerCertificate().getSubjectX500Principal().getName());
        assertEquals("CN=taipan-host", p.client.peerCertificate().getSubjectX500Principal().getName());
    }

    @Test
    void heldPlaintextMakesAWaitAnswerAtOnce() throws Exception {
        Pair p = pair();
        byte[] sent = new byte[10_000];
        new SplittableRandom(1).nextBytes(sent);
        writeAll(p.server, ByteBuffer.wrap(sent)); // one record
        ByteBuffer small = ByteBuffer.allocate(100); // smaller than the record: the rest is held
        assertTrue(p.client.awaitReadable(WAIT_MS));
        byte[] got = new byte[sent.length];
        int at = 0;
        while (at < sent.length) {
            small.clear();
            int n = p.client.read(small);
            if (n == 0) {
                assertTrue(p.client.awaitReadable(WAIT_MS));
                continue;
            }
            System.arraycopy(small.array(), 0, got, at, n);
            at += n;
            if (at > 0 && at < sent.length) {
                // The record is all in the transport by now: the socket has nothing, yet the wait says "read".
                long t0 = System.nanoTime();
                assertTrue(p.client.awaitReadable(WAIT_MS), "held bytes: true");
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "at once");
            }
        }
        assertArrayEquals(sent, got);
    }

    @Test
    void aFullSocketTakesNothingAndEveryByteArrivesOnceTheReaderReads() throws Exception {
        Pair p = pair();
        byte[] chunk = new byte[64 * 1024];
        new SplittableRandom(2).nextBytes(chunk);
        ByteBuffer src = ByteBuffer.allocateDirect(chunk.length);
        long taken = 0;
        int zeros = 0;
        // The server reads nothing: the socket's buffers fill and write must answer 0 without waiting.
        while (zeros == 0 && taken < 512L * 1024 * 1024) {
            src.clear().put(chunk).flip();
            while (src.hasRemaining()) {
                int n = p.client.write(src);
                if (n == 0) {
                    zeros++;
                    break;
                }
                taken += n;
            }
        }
        assertTrue(zeros > 0, "the socket filled after " + taken + " bytes");
        long total = taken + src.remaining();
        long inChunk = src.position();
        CompletableFuture<Void> finish = CompletableFuture.runAsync(() -> {
            try {
                writeAll(p.client, src); // the caller writes the same bytes again, as Connection does
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, exec);
        // Now read everything: each byte is chunk[offset % chunk.length], once and in order.
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        long got = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (got < total) {
            in.clear();
            int n = p.server.read(in);
            if (n == 0) {
                assertTrue(System.nanoTime() < deadline, "got " + got + " of " + total);
                p.server.awaitReadable(1_000);
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (in.get(i) != chunk[(int) ((got + i) % chunk.length)]) {
                    throw new AssertionError("byte " + (got + i) + " differs");
                }
            }
            got += n;
        }
        finish.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertEquals(total, got);
        assertTrue(inChunk >= 0);
    }

    @Test
    void framesOfSeveralMebibytesCrossBothWaysThroughConnections() throws Exception {
        Pair p = pair();
        Connection client = keep(new Connection(p.client, FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        Connection server = keep(new Connection(p.server, FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        byte[] big = new byte[6 * 1024 * 1024 + 13];
        new SplittableRandom(3).nextBytes(big);
        Future<?> echo = exec.submit(() -> {
            for (int i = 0; i < 3; i++) {
                Map<String, Object> m = server.read();
                server.write(m);
            }
            return null;
        });
        // Written from a thread of their own while this one reads: the echo answers before all are sent.
        Future<?> send = exec.submit(() -> {
            for (int i = 0; i < 3; i++) {
                client.write(Messages.result(i, big));
            }
            return null;
        });
        for (int i = 0; i < 3; i++) {
            Map<String, Object> back = client.read();
            assertEquals((long) i, Messages.integer(back, "id"));
            assertArrayEquals(big, (byte[]) back.get("value"));
        }
        send.get(WAIT_MS, TimeUnit.MILLISECONDS);
        echo.get(WAIT_MS, TimeUnit.MILLISECONDS);
    }

    @Test
    void aWakeupEndsTheNextWaitAtOnceAndAnInterruptKeepsItsStatus() throws Exception {
        Pair p = settled();
        p.client.wakeup();
        long t0 = System.nanoTime();
        assertFalse(p.client.awaitReadable(WAIT_MS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        Thread.currentThread().interrupt();
        try {
            assertFalse(p.client.awaitReadable(WAIT_MS));
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
        assertTrue(p.client.isOpen(), "an interrupt never closes it");
        writeAll(p.server, ByteBuffer.wrap(new byte[] {9}));
        assertArrayEquals(new byte[] {9}, readExactly(p.client, 1));
    }

    @Test
    void closingFromAnotherThreadEndsAWaitAndThePeerSeesTheEnd() throws Exception {
        Pair p = settled();
        Connection client = keep(new Connection(p.client, FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return p.client.awaitReadable(WAIT_MS);
            } catch (IOException e) {
                return e;
            }
        }, exec);
        // The waiter is parked in the selector (or about to be): closing ends it either way.
        client.close();
        Object outcome = waiting.get(WAIT_MS, TimeUnit.MILLISECONDS);
        assertTrue(outcome.equals(false) || outcome instanceof ClosedChannelException, "ended: " + outcome);
        assertFalse(p.client.isOpen());
        assertThrows(ClosedChannelException.class, () -> p.client.awaitReadable(WAIT_MS));
        assertThrows(ClosedChannelException.class, () -> p.client.read(ByteBuffer.allocate(1)));
        p.client.wakeup();
        p.client.close();
        // The server got close_notify (or the end of the stream): its connection ends cleanly.
        Connection server = keep(new Connection(p.server, FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        assertNull(server.read());
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void aClientWithoutACertificateIsRefused() throws Exception {
        TlsContext host = files.host();
        Future<TlsTransport> server = serve(host);
        SSLEngine engine = clientEngine(files.rawContext(null, "TLSv1.3"));
        // TLS 1.3: the client finishes first; the server's refusal reaches it as an alert on its first read.
        Throwable clientSide = clientOutcome(engine);
        assertEquals(TlsException.Reason.NO_CLIENT_CERTIFICATE, refusal(server).reason());
        assertInstanceOf(TlsException.class, clientSide);
        assertTrue(clientSide.getMessage().startsWith("TLS with 127.0.0.1:"), clientSide.getMessage());
        aGoodClientIsServedNext(host);
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() throws Exception {
        TlsContext host = files.host();
        Future<TlsTransport> server = serve(host);
        Throwable clientSide = clientOutcomeOf(() -> files.context("other-client", "ca").connect(dial(), "127.0.0.1"));
        TlsException e = refusal(server);
        // The JDK's client sends no certificate the server's CA list does not cover; another client sends it.
        assertTrue(e.reason() == TlsException.Reason.NOT_TRUSTED || e.reason() == TlsException.Reason.NO_CLIENT_CERTIFICATE,
                e.getMessage());
        assertInstanceOf(TlsException.class, clientSide);
        aGoodClientIsServedNext(host);
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedByTheClient() throws Exception {
        Future<TlsTransport> server = serve(files.context("other-host", "ca"));
        TlsException e = assertThrows(TlsException.class, () -> files.client().connect(dial(), "127.0.0.1"));
        assertEquals(TlsException.Reason.NOT_TRUSTED, e.reason());
        assertTrue(e.getMessage().contains("the server's certificate is not signed by a trusted CA"), e.getMessage());
        assertEquals(TlsException.Reason.REFUSED_BY_PEER, refusal(server).reason());
        aGoodClientIsServedNext(files.host());
    }

    @Test
    void aServerThatDoesNotNameTheHostIsRefused() throws Exception {
        Future<TlsTransport> server = serve(files.host());
        TlsContext client = TlsContext.load(files.config("client", "ca").peerName("elsewhere.test").build());
        TlsException e = assertThrows(TlsException.class, () -> client.connect(dial(), "127.0.0.1"));
        assertEquals(TlsException.Reason.NAME_MISMATCH, e.reason(), e.getMessage());
        refusal(server);
        // The name the host certificate carries (besides localhost and 127.0.0.1) passes.
        Future<TlsTransport> again = serve(files.host());
        TlsContext named = TlsContext.load(files.config("client", "ca").peerName("worker-host.test").build());
        keep(named.connect(dial(), "127.0.0.1"));
        keep(again.get(WAIT_MS, TimeUnit.MILLISECONDS));
    }

    @Test
    void aServerExpectingAnotherClientNameRefusesThisOne() throws Exception {
        TlsContext picky = TlsContext.load(files.config("host", "ca").peerName("another-pool").build());
        Future<TlsTransport> server = serve(picky);
        clientOutcomeOf(() -> files.client().connect(dial(), "127.0.0.1"));
        TlsException e = refusal(server);
        assertEquals(TlsException.Reason.NAME_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("does not name another-pool"), e.getMessage());
        TlsContext fine = TlsContext.load(files.config("host", "ca").peerName("taipan-pool").build());
        aGoodClientIsServedNext(fine);
    }

    @Test
    void garbageInsteadOfAClientHelloIsRefused() throws Exception {
        TlsContext host = files.host();
        Future<TlsTransport> server = serve(host);
        SocketChannel raw = dial();
        writeAllBlocking(raw, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        TlsException e = refusal(server);
        assertEquals(TlsException.Reason.NOT_TLS, e.reason());
        assertTrue(e.getMessage().contains("not a TLS peer"), e.getMessage());
        aGoodClientIsServedNext(host);
    }

    @Test
    void aPlainTaipanClientIsRefusedBeforeItsFrameIsRead() throws Exception {
        TlsContext host = files.host();
        Future<TlsTransport> server = serve(host);
        SocketChannel raw = dial();
        writeAllBlocking(raw, FrameCodec.encode(Messages.auth("w-1", "a-secret-token"), FrameCodec.DEFAULT_MAX_FRAME_BYTES));
        TlsException e = refusal(server);
        assertEquals(TlsException.Reason.NOT_TLS, e.reason());
        assertFalse(e.getMessage().contains("a-secret-token"), "what the peer sent is never in the message");
        aGoodClientIsServedNext(host);
    }

    @Test
    void aTls12OnlyClientIsRefused() throws Exception {
        TlsContext host = files.host();
        Future<TlsTransport> server = serve(host);
        SSLEngine engine = files.rawContext("client", "TLSv1.2").createSSLEngine("127.0.0.1", 0);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.2"});
        Throwable clientSide = clientOutcome(engine);
        assertEquals(TlsException.Reason.PROTOCOL_VERSION, refusal(server).reason());
        assertInstanceOf(TlsException.class, clientSide);
        aGoodClientIsServedNext(host);
    }

    @Test
    void aSilentClientTimesOutAndASilentServerToo() throws Exception {
        TlsContext quick = TlsContext.load(files.config("host", "ca").handshakeTimeout(java.time.Duration.ofMillis(300)).build());
        Future<TlsTransport> server = serve(quick);
        dial(); // connects and says nothing
        TlsException e = refusal(server);
        assertEquals(TlsException.Reason.TIMEOUT, e.reason());
        assertTrue(e.getMessage().contains("did not finish within 300 ms"), e.getMessage());
        // A plain TCP server that never answers the ClientHello.
        TlsContext client = TlsContext.load(files.config("client", "ca").handshakeTimeout(java.time.Duration.ofMillis(300)).build());
        Future<SocketChannel> accepted = exec.submit(() -> keep(listener.accept()));
        TlsException c = assertThrows(TlsException.class, () -> client.connect(dial(), "127.0.0.1"));
        assertEquals(TlsException.Reason.TIMEOUT, c.reason());
        accepted.get(WAIT_MS, TimeUnit.MILLISECONDS);
        aGoodClientIsServedNext(files.host());
    }

    @Test
    void rsaKeysWorkAsEcOnesDo(@TempDir Path rsaDir) throws Exception {
        TlsFiles rsa = TlsFiles.make(rsaDir, "rsa");
        Future<TlsTransport> server = exec.submit(() -> keep(rsa.host().accept(keep(listener.accept()))));
        TlsTransport client = keep(rsa.client().connect(dial(), "localhost"));
        TlsTransport s = server.get(WAIT_MS, TimeUnit.MILLISECONDS);
        writeAll(client, ByteBuffer.wrap(new byte[] {42}));
        assertArrayEquals(new byte[] {42}, readExactly(s, 1));
        assertEquals("RSA", s.peerCertificate().getPublicKey().getAlgorithm());
    }

    // ---------------------------------------------------------------- helpers

    private SSLEngine clientEngine(SSLContext ctx) {
        SSLEngine engine = ctx.createSSLEngine("127.0.0.1", 0);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        return engine;
    }

    /** A client's handshake over a raw engine, then a read: the failure it met, if any. */
    private Throwable clientOutcome(SSLEngine engine) throws Exception {
        return clientOutcomeOf(() -> TlsTransport.handshake(dial(), engine, "127.0.0.1:" + port(), WAIT_MS, null));
    }

    private interface Connect {
        TlsTransport connect() throws Exception;
    }

    /** Connects, then reads until the server's answer (an alert, or the end): the failure met, or null. */
    private Throwable clientOutcomeOf(Connect connect) throws Exception {
        try {
            TlsTransport t = keep(connect.connect());
            ByteBuffer buf = ByteBuffer.allocate(64);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() < deadline) {
                t.awaitReadable(1_000);
                if (t.read(buf) < 0) {
                    return null;
                }
            }
            throw new AssertionError("the server neither refused nor closed");
        } catch (IOException e) {
            return e;
        }
    }

    private int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    private static void writeAllBlocking(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

}
