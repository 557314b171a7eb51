package dev.taipan.pool;

import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's end of a worker socket: coalesced writes from many threads keep every frame
 * whole and each thread's frames in order; reads parse frames however the bytes arrive;
 * interrupts never close the socket; the read role's holder can be woken.
 */
class ConnectionTest {
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    private Path dir;
    private Connection conn;
    /** The worker's end, plain and blocking. */
    private SocketChannel peer;

    @BeforeEach
    void connect() throws IOException {
        dir = Files.createTempDirectory("taipan-conn-");
        Path sock = dir.resolve("s");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            peer = SocketChannel.open(UnixDomainSocketAddress.of(sock));
            conn = new Connection(server.accept(), MAX);
        }
        Files.deleteIfExists(sock);
    }

    @AfterEach
    void close() throws IOException {
        conn.close();
        peer.close();
        Files.deleteIfExists(dir);
    }

    private static byte[] payload(int writer, int seq, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) (writer * 31 + seq));
        return b;
    }

    @Test
    void framesFromManyConcurrentWritersStayWholeAndInOrder() throws Exception {
        int writers = 16;
        int perWriter = 300;
        InputStream in = new BufferedInputStream(Channels.newInputStream(peer), 64 * 1024);
        CompletableFuture<int[]> read = CompletableFuture.supplyAsync(() -> {
            int[] next = new int[writers];
            try {
                for (int n = 0; n < writers * perWriter; n++) {
                    Map<String, Object> m = FrameCodec.read(in, MAX);
                    int w = (int) Messages.integer(m, "id");
                    int seq = (int) Messages.integer(m, "seq");
                    assertEquals(next[w], seq, "writer " + w + "'s frames out of order");
                    byte[] data = (byte[]) m.get("data");
                    assertArrayEquals(payload(w, seq, data.length), data);
                    next[w]++;
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
            return next;
        });
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(writer);
                    go.await();
                    for (int seq = 0; seq < perWriter; seq++) {
                        // Mostly small frames, some bigger than the 64 KiB write buffer.
                        int size = random.nextInt(20) == 0 ? 70_000 + random.nextInt(50_000) : random.nextInt(200);
                        conn.write(FrameCodec.encode(Messages.chunk(writer, seq, payload(writer, seq, size)), MAX));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            int[] counts = read.get(60, TimeUnit.SECONDS);
            for (int c : counts) {
                assertEquals(perWriter, c);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void framesAreParsedHoweverTheBytesArriveAndBigOnesFit() throws Exception {
        List<Object> sent = new ArrayList<>();
        ByteBuffer stream = ByteBuffer.allocate(4 * 1024 * 1024);
        for (int i = 0; i < 200; i++) {
            Object value = i % 50 == 7 ? "x".repeat(300_000 + i) : List.of((long) i, "é" + i);
            sent.add(value);
            stream.put(FrameCodec.encode(Messages.result(i + 1, value), MAX));
        }
        stream.flip();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            SplittableRandom random = new SplittableRandom(3);
            try {
                while (stream.hasRemaining()) {
                    int n = Math.min(stream.remaining(), 1 + random.nextInt(random.nextBoolean() ? 7 : 90_000));
                    ByteBuffer piece = stream.slice().limit(n);
                    while (piece.hasRemaining()) {
                        peer.write(piece);
                    }
                    stream.position(stream.position() + n);
                }
                // Half of one more frame, then the end of the stream.
                byte[] last = FrameCodec.encode(Messages.result(999, "tail"), MAX);
                peer.write(ByteBuffer.wrap(last, 0, last.length / 2));
                peer.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        conn.lead();
        try {
            for (int i = 0; i < sent.size(); i++) {
                Map<String, Object> got;
                do {
                    got = conn.next(10_000);
                } while (got == Connection.NOTHING);
                assertEquals(i + 1L, got.get("id"));
                assertEquals(sent.get(i), got.get("value"));
            }
            ProtocolException e = assertThrows(ProtocolException.class, () -> {
                while (conn.next(10_000) == Connection.NOTHING) {
                    // until the end
                }
            });
            assertTrue(e.getMessage().contains("stream ended inside a frame body"), e.getMessage());
        } finally {
            conn.unlead();
        }
        writer.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aCleanEndOfStreamIsNull() throws Exception {
        peer.write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(1), MAX)));
        peer.shutdownOutput();
        assertEquals(1L, conn.read().get("seq"));
        assertNull(conn.read());
    }

    @Test
    void interruptingAReaderOrAWriterNeverClosesTheSocket() throws Exception {
        conn.lead();
        try {
            Thread.currentThread().interrupt();
            long t0 = System.nanoTime();
            assertSame(Connection.NOTHING, conn.next(5_000)); // an interrupted wait ends at once
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
            conn.write(FrameCodec.encode(Messages.heartbeat(5), MAX));
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
            InputStream in = Channels.newInputStream(peer);
            assertEquals(5L, FrameCodec.read(in, MAX).get("seq"));
            peer.write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(6), MAX)));
            Map<String, Object> m;
            do {
                m = conn.next(5_000);
            } while (m == Connection.NOTHING);
            assertEquals(6L, m.get("seq"));
        } finally {
            conn.unlead();
        }
    }

    @Test
    void theReadRoleHasOneHolderAndItsWaitCanBeCutShort() throws Exception {
        assertTrue(conn.tryLead());
        CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(conn::tryLead);
        assertEquals(false, other.get(5, TimeUnit.SECONDS));
        CompletableFuture<Long> waited = new CompletableFuture<>();
        Thread holder = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                Map<String, Object> m = conn.next(30_000);
                waited.complete(m == Connection.NOTHING ? System.nanoTime() - t0 : -1);
            } catch (IOException e) {
                waited.completeExceptionally(e);
            }
        });
        holder.start();
        Thread.sleep(100);
        conn.wakeLeader();
        assertTrue(waited.get(10, TimeUnit.SECONDS) < TimeUnit.SECONDS.toNanos(10));
        holder.join();
        conn.unlead();
        assertTrue(conn.tryLead());
        conn.unlead();
    }

    @Test
    void closingWakesTheHolderAndTheParkedReader() throws Exception {
        CompletableFuture<Throwable> holder = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            conn.lead();
            try {
                while (true) {
                    conn.next(30_000);
                }
            } catch (IOException | RuntimeException e) {
                holder.complete(e);
            } finally {
                conn.unlead();
            }
        });
        t.start();
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Void> parked = CompletableFuture.runAsync(() -> conn.parkReader(closed::get,
                TimeUnit.SECONDS.toNanos(30)));
        Thread.sleep(100);
        closed.set(true);
        conn.close();
        assertTrue(holder.get(10, TimeUnit.SECONDS) instanceof IOException);
        parked.get(10, TimeUnit.SECONDS);
        t.join();
    }
}
