package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.TestPools;
import dev.taipan.WorkerCrashedException;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@link SocketListener} against hostile same-user clients: before a connection has
 * authenticated it may cost the pool only a small buffer, no thread, and only for a short time.
 */
class PreAuthTest {
    private static final int MAX_FRAME = 64 * 1024 * 1024;

    @TempDir
    Path tmp;

    private SocketListener listener(long startTimeoutMillis) throws IOException {
        return new SocketListener(new PoolThreads("preauth"), tmp, "preauth", MAX_FRAME, startTimeoutMillis);
    }

    @Test
    void aHeaderOverTheAuthLimitIsClosedAtOnceWithoutWaitingForItsBody() throws Exception {
        try (SocketListener l = listener(20_000)) {
            for (int declared : List.of(MAX_FRAME, SocketListener.MAX_AUTH_FRAME_BYTES + 1)) {
                try (SocketChannel ch = connect(l)) {
                    ch.write(ByteBuffer.wrap(header(declared)));
                    long t0 = System.nanoTime();
                    // At once means well before the 20 s auth deadline, however loaded the machine.
                    assertTrue(closedWithin(ch, 10_000), "a pre-auth header of " + declared
                            + " bytes must be refused from the header alone, not after the auth deadline");
                    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
                }
            }
            // The limit is the limit: a whole auth frame of exactly that size is still read and judged.
            String id = "w-big";
            CompletableFuture<Connection> f = l.expect(id, "t0ken");
            byte[] exact = authOfBodySize(id, "t0ken", SocketListener.MAX_AUTH_FRAME_BYTES);
            try (SocketChannel ch = connect(l)) {
                ch.write(ByteBuffer.wrap(exact));
                f.get(5, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void garbageAndWrongFirstFramesAreClosedAtOnce() throws Exception {
        try (SocketListener l = listener(20_000)) {
            List<byte[]> hostile = List.of(
                    new byte[]{0, 0, 0, 3, 'x', 'y', 'z'},                      // not MessagePack
                    new byte[]{0, 0, 0, 0},                                     // length 0
                    FrameCodec.encode(Messages.heartbeat(1), 1024),              // a frame, but not auth
                    FrameCodec.encode(Messages.auth("nobody", "x"), 1024));      // nobody of that name
            for (byte[] bytes : hostile) {
                try (SocketChannel ch = connect(l)) {
                    ch.write(ByteBuffer.wrap(bytes));
                    assertTrue(closedWithin(ch, 10_000), "dropped at once, not at the 20 s deadline");
                }
            }
        }
    }

    @Test
    void anIdleConnectionIsClosedAtTheAuthDeadline() throws Exception {
        try (SocketListener l = listener(300); SocketChannel ch = connect(l)) {
            ch.write(ByteBuffer.wrap(new byte[]{0, 0})); // half a header, then silence
            long t0 = System.nanoTime();
            assertTrue(closedWithin(ch, 5_000), "closed by the deadline");
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(200), "not before it");
        }
    }

    @Test
    void aFloodOfHostileConnectionsCostsNoThreadsAndFewDescriptorsAndAWorkerStillGetsIn() throws Exception {
        var mx = ManagementFactory.getThreadMXBean();
        try (SocketListener l = listener(20_000)) {
            int threadsBefore = mx.getThreadCount();
            long fdsBefore = openFds();
            List<SocketChannel> idle = new ArrayList<>();
            List<SocketChannel> dropped = new ArrayList<>();
            try {
                for (int i = 0; i < 300; i++) {
                    idle.add(connect(l));
                }
                for (int i = 0; i < 30; i++) {
                    SocketChannel ch = connect(l);
                    ch.write(ByteBuffer.wrap(header(MAX_FRAME)));
                    dropped.add(ch);
                    ch = connect(l);
                    ch.write(ByteBuffer.wrap(new byte[]{0, 0, 0, 5, (byte) 0xc1, 1, 2, 3, 4}));
                    dropped.add(ch);
                }
                // A real worker connects last, behind all of them, and is let in at once.
                CompletableFuture<Connection> f = l.expect("w-1", "s3cret-token");
                try (SocketChannel worker = connect(l)) {
                    worker.write(ByteBuffer.wrap(FrameCodec.encode(Messages.auth("w-1", "s3cret-token"), 1024)));
                    worker.write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(7), 1024)));
                    try (Connection conn = f.get(5, TimeUnit.SECONDS)) {
                        // The frame after auth was left for the connection: the handover lost nothing.
                        assertEquals(7L, conn.read().get("seq"));
                    }
                }
                // The listener accepted everything before the worker; what it still holds is bounded.
                int grownThreads = mx.getThreadCount() - threadsBefore;
                assertTrue(grownThreads <= 2, "threads grew by " + grownThreads);
                long serverSide = openFds() - fdsBefore - idle.size() - dropped.size();
                assertTrue(serverSide <= SocketListener.MAX_UNAUTHENTICATED + 8,
                        "the listener holds " + serverSide + " descriptors for " + idle.size() + " idle clients");
                for (SocketChannel ch : dropped) {
                    assertTrue(closedWithin(ch, 10_000), "oversize and garbage connections are closed at once");
                }
                // Excess idle connections were closed at once (the oldest first), not at the deadline.
                long closedIdle = idle.stream().filter(ch -> closedWithin(ch, 0)).count();
                assertTrue(closedIdle >= idle.size() - SocketListener.MAX_UNAUTHENTICATED,
                        closedIdle + " of " + idle.size() + " idle connections were closed");
            } finally {
                idle.forEach(PreAuthTest::closeQuietly);
                dropped.forEach(PreAuthTest::closeQuietly);
            }
        }
    }

    @Test
    @Tag("python")
    void aPoolStartsServesAndReplacesWorkersWhileHostileConnectionsHangOn() throws Exception {
        var mx = ManagementFactory.getThreadMXBean();
        PoolConfig config = TestPools.config().workers(1).lazyStart(true).socketParent(tmp).build();
        List<SocketChannel> hostile = new ArrayList<>();
        try (TaipanPool pool = TaipanPool.start(config)) {
            Path socket;
            try (var dirs = Files.list(tmp)) {
                socket = dirs.map(d -> d.resolve("pool.sock")).filter(Files::exists).findFirst().orElseThrow();
            }
            int threadsBefore = mx.getThreadCount();
            for (int i = 0; i < 150; i++) {
                hostile.add(connect(socket));
            }
            for (int i = 0; i < 20; i++) {
                SocketChannel ch = connect(socket);
                ch.write(ByteBuffer.wrap(header(MAX_FRAME)));
                hostile.add(ch);
                ch = connect(socket);
                ch.write(ByteBuffer.wrap(new byte[]{0, 0, 0, 3, 'x', 'y', 'z'}));
                hostile.add(ch);
            }
            // The first worker starts (lazily) behind all of them.
            assertEquals("pong", pool.call("ping"));
            assertThrows(WorkerCrashedException.class,
                    () -> pool.call("taipan_testing.functions:crash", Map.of("code", 1)));
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> pool.stats().workersReplaced() == 1
                    && pool.stats().ready() == 1), pool.stats().toString());
            assertEquals("pong", pool.call("ping"));
            int grown = mx.getThreadCount() - threadsBefore;
            // The worker's own threads (reader, output pumps, spawner...), not one per hostile connection.
            assertTrue(grown < 30, "threads grew by " + grown + " with " + hostile.size() + " hostile connections");
        } finally {
            hostile.forEach(PreAuthTest::closeQuietly);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static SocketChannel connect(SocketListener l) throws IOException {
        return connect(l.socketPath());
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    private static byte[] header(int length) {
        return ByteBuffer.allocate(4).putInt(length).array();
    }

    /** An auth frame whose body is exactly {@code size} bytes (the worker id is padded). */
    private static byte[] authOfBodySize(String id, String token, int size) {
        int base = FrameCodec.encode(Messages.auth(id, token), size * 2).length - FrameCodec.HEADER_BYTES;
        Map<String, Object> m = Messages.auth(id, token);
        // An extra key of a str16 value: 1 + 3 + 3 bytes of overhead (fixstr "pad", str16 header).
        m.put("pad", "p".repeat(size - base - 7));
        byte[] frame = FrameCodec.encode(m, size * 2);
        assertEquals(size, frame.length - FrameCodec.HEADER_BYTES);
        return frame;
    }

    /** Whether the peer closed {@code ch} within {@code millis} (reads and discards what it sends). */
    private static boolean closedWithin(SocketChannel ch, long millis) {
        try {
            ch.configureBlocking(false);
            try (Selector s = Selector.open()) {
                ch.register(s, SelectionKey.OP_READ);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
                ByteBuffer buf = ByteBuffer.allocate(256);
                while (true) {
                    buf.clear();
                    int n = ch.read(buf);
                    if (n < 0) {
                        return true;
                    }
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (n == 0) {
                        if (left <= 0) {
                            return false;
                        }
                        s.select(left);
                        s.selectedKeys().clear();
                    }
                }
            }
        } catch (IOException e) {
            return true; // reset by the peer
        }
    }

    private static long openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Test cleanup.
        }
    }
}
