package dev.taipan.pool;

import dev.taipan.TestPools;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLEngine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's TLS client ({@link TlsContext#connect}, {@link Connection} over a {@link TlsTransport})
 * against a Python asyncio TLS server made with {@code taipan_worker.tls} (the peer
 * {@code taipan_testing.tls_echo}): real Taipan frames both ways, frames of several MiB, and the
 * refusals the Python side makes, each one line in its log, after which the same server process
 * serves the next good client.
 */
@Tag("python")
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TlsPythonPeerTest {
    private static final long WAIT_MS = 30_000;
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
    @TempDir
    static Path certDir;
    private static TlsFiles files;
    private static Process peer;
    private static int port;
    private static final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        files = TlsFiles.make(certDir);
        ProcessBuilder pb = new ProcessBuilder(TestPools.python(), "-m", "taipan_testing.tls_echo",
                "--listen", "127.0.0.1", "--cert", files.file("host.pem").toString(),
                "--key", files.file("host-key.pem").toString(), "--ca", files.file("ca.pem").toString(),
                "--handshake-timeout", "5");
        peer = pb.start();
        Thread errors = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(peer.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.add(line);
                }
            } catch (IOException ignored) {
                // The peer ended.
            }
        }, "tls-peer-stderr");
        errors.setDaemon(true);
        errors.start();
        String first = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertNotNull(first, () -> "the peer printed no port: " + log);
        assertTrue(first.startsWith("PORT "), first);
        port = Integer.parseInt(first.substring(5).strip());
    }

    @AfterAll
    static void stop() throws Exception {
        if (peer != null) {
            peer.getOutputStream().close(); // its stdin closing ends it
            if (!peer.waitFor(20, TimeUnit.SECONDS)) {
                peer.destroyForcibly();
            }
        }
    }

    private static SocketChannel dial() throws IOException {
        return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    }

    /** Waits for the peer's log line that starts with {@code refused} or {@code accepted}, the n-th such. */
    private static String logLine(int countBefore) {
        assertTrue(TestPools.eventually(Duration.ofSeconds(30), () -> decisions().size() > countBefore),
                () -> "the peer logged its decision: " + log);
        return decisions().get(countBefore);
    }

    private static List<String> decisions() {
        return log.stream().filter(l -> l.startsWith("refused ") || l.startsWith("accepted ")).toList();
    }

    /**
     * A good client exchanges a call and its result: the server is alive and well. Returns only
     * once the server has logged accepting it: its log is read apart from the connection, and a
     * line arriving late would be taken for the next case's decision.
     */
    private static void aGoodClientIsServed() throws Exception {
        int n = decisions().size();
        try (Connection c = new Connection(files.client().connect(dial(), "127.0.0.1"), MAX)) {
            c.write(Messages.call(1, "echo", List.of(1, "two"), null, 60_000L));
            Map<String, Object> reply = c.read();
            assertEquals("result", Messages.type(reply));
            assertEquals(List.of(1L, "two"), reply.get("value"));
        }
        assertTrue(TestPools.eventually(Duration.ofSeconds(30),
                        () -> decisions().stream().skip(n).anyMatch(l -> l.startsWith("accepted "))),
                () -> "the peer logged accepting the good client: " + log);
    }

    @Test
    void callsAndFramesOfSeveralMebibytesCrossBothWays() throws Exception {
        try (Connection c = new Connection(files.client().connect(dial(), "localhost"), MAX)) {
            for (long id = 1; id <= 50; id++) {
                c.write(Messages.call(id, "echo", List.of(id), null, 60_000L));
                Map<String, Object> reply = c.read();
                assertEquals(id, Messages.integer(reply, "id"));
                assertEquals(List.of(id), reply.get("value"));
            }
            byte[] big = new byte[5 * 1024 * 1024 + 7];
            new SplittableRandom(5).nextBytes(big);
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < 3; i++) {
                        c.write(Messages.result(i, big)); // not a call: the peer echoes it byte for byte
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            for (int i = 0; i < 3; i++) {
                Map<String, Object> back = c.read();
                assertEquals((long) i, Messages.integer(back, "id"));
                assertArrayEquals(big, (byte[]) back.get("value"));
            }
            writer.join(WAIT_MS);
        }
    }

    @Test
    void everyRefusalIsLoggedByTheServerAndTheNextGoodClientIsServed() throws Exception {
        // A client without a certificate.
        int n = decisions().size();
        SSLEngine bare = files.rawContext(null, "TLSv1.3").createSSLEngine("127.0.0.1", port);
        bare.setUseClientMode(true);
        IOException noCert = firstFailure(() -> TlsTransport.handshake(dial(), bare, "127.0.0.1:" + port, WAIT_MS, null));
        // The server's alert may not get out before asyncio drops the connection: an alert or the end.
        assertTrue(noCert == null || ((TlsException) noCert).reason() == TlsException.Reason.NO_CLIENT_CERTIFICATE,
                () -> String.valueOf(noCert));
        assertTrue(logLine(n).endsWith(": no client certificate"), logLine(n));
        aGoodClientIsServed();

        // A client certificate from another CA.
        n = decisions().size();
        IOException otherCa = firstFailure(() -> files.context("other-client", "ca").connect(dial(), "127.0.0.1"));
        assertTrue(otherCa == null || otherCa.getMessage().contains("does not trust this side's certificate"),
                () -> String.valueOf(otherCa));
        assertTrue(logLine(n).contains(": certificate not trusted"), logLine(n));
        aGoodClientIsServed();

        // Garbage, and a plain Taipan frame, instead of a ClientHello.
        for (byte[] bytes : List.of("garbage, not TLS\r\n".getBytes(StandardCharsets.US_ASCII),
                FrameCodec.encode(Messages.auth("w-1", "tok-SECRET-1234"), MAX))) {
            n = decisions().size();
            try (SocketChannel raw = dial()) {
                raw.write(ByteBuffer.wrap(bytes));
                assertTrue(logLine(n).contains(": not a TLS peer"), logLine(n));
            }
            aGoodClientIsServed();
        }

        // A TLS 1.2-only client.
        n = decisions().size();
        SSLEngine old = files.rawContext("client", "TLSv1.2").createSSLEngine("127.0.0.1", port);
        old.setUseClientMode(true);
        old.setEnabledProtocols(new String[] {"TLSv1.2"});
        IOException v12 = firstFailure(() -> TlsTransport.handshake(dial(), old, "127.0.0.1:" + port, WAIT_MS, null));
        assertInstanceOf(TlsException.class, v12);
        assertTrue(logLine(n).contains(": not TLS 1.3"), logLine(n));
        aGoodClientIsServed();

        assertTrue(log.stream().noneMatch(l -> l.contains("SECRET")), "nothing the peers sent is logged");
        assertTrue(peer.isAlive());
    }

    @Test
    void aClientRefusesThePythonServerWhenItTrustsAnotherCa() throws Exception {
        TlsContext wrongTrust = files.context("client", "other-ca");
        TlsException e = org.junit.jupiter.api.Assertions.assertThrows(TlsException.class,
                () -> wrongTrust.connect(dial(), "127.0.0.1"));
        assertEquals(TlsException.Reason.NOT_TRUSTED, e.reason());
        assertTrue(e.getMessage().contains("the server's certificate is not signed by a trusted CA"), e.getMessage());
        aGoodClientIsServed();
    }

    private interface Connect {
        TlsTransport connect() throws Exception;
    }

    /** Connects and reads until the server's verdict arrives: the failure (from the handshake or the first read), or null if it just closed. */
    private static IOException firstFailure(Connect connect) {
        try (TlsTransport t = connect.connect()) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (System.nanoTime() < deadline) {
                t.awaitReadable(1_000);
                if (t.read(buf) < 0) {
                    return null; // closed without an alert reaching this side
                }
            }
            throw new AssertionError("the server neither refused nor closed");
        } catch (IOException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("not a connection failure: " + e, e);
        }
    }
}
