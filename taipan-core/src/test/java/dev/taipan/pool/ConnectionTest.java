package dev.taipan.pool;

import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's end of a worker connection: coalesced writes from many threads keep every frame
 * whole and each thread's frames in order; reads parse frames however the bytes arrive;
 * interrupts never close the socket; the read role's holder can be woken. All of it holds
 * over each {@link Wire} a worker may use, the same {@link Connection} over its transport.
 */
@ParameterizedClass(name = "over {0}")
@EnumSource(Wire.class)
class ConnectionTest {
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    @Parameter
    Wire wire;

    private Wire.Ends ends;
    /** The pool end's transport, watched so a test can wait until the connection waits. */
    private WatchedTransport transport;
    private Connection conn;
    /** The worker's end, plain and blocking. */
    private SocketChannel peer;

    @BeforeEach
    void connect() throws IOException {
        ends = wire.connect();
        transport = new WatchedTransport(new SocketTransport(ends.pool()));
        conn = new Connection(transport, MAX);
        peer = ends.worker();
    }

    @AfterEach
    void close() throws IOException {
        conn.close();
        ends.close();
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
            assertSame(Connection.NOTHING, conn.next(30_000)); // an interrupted wait ends at once
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
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
        assertTrue(transport.readWaits.tryAcquire(10, TimeUnit.SECONDS));
        conn.wakeLeader(); // cuts the wait short whether it has begun or is about to
        assertTrue(waited.get(10, TimeUnit.SECONDS) < TimeUnit.SECONDS.toNanos(10));
        holder.join();
        conn.unlead();
        assertTrue(conn.tryLead());
        conn.unlead();
    }

    @Test
    void aWakeupBeforeTheWaitCutsTheNextWaitShort() throws Exception {
        conn.lead();
        try {
            conn.wakeLeader();
            long t0 = System.nanoTime();
            assertSame(Connection.NOTHING, conn.next(30_000));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
            peer.write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(8), MAX)));
            assertEquals(8L, nextMessage().get("seq"), "a wakeup costs no frame");
        } finally {
            conn.unlead();
        }
    }

    @Test
    void aFrameSplitAcrossReadsIsParsedOnceWhole() throws Exception {
        byte[] frame = FrameCodec.encode(Messages.result(7, "x".repeat(5_000)), MAX);
        // Inside the header, then inside the body, then the rest: each piece only once the
        // connection has read the one before, so each arrives in a read of its own.
        int[] cuts = {0, 2, FrameCodec.HEADER_BYTES + 100, frame.length};
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i + 1 < cuts.length; i++) {
                    if (i > 0 && !transport.readsWithBytes.tryAcquire(10, TimeUnit.SECONDS)) {
                        throw new AssertionError("piece " + i + " was never read");
                    }
                    peer.write(ByteBuffer.wrap(frame, cuts[i], cuts[i + 1] - cuts[i]));
                }
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        conn.lead();
        try {
            Map<String, Object> m = nextMessage();
            assertEquals(7L, m.get("id"));
            assertEquals("x".repeat(5_000), m.get("value"));
        } finally {
            conn.unlead();
        }
        writer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aStreamEndingInsideAHeaderIsAProtocolError() throws Exception {
        peer.write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(1), MAX), 0, 2));
        peer.shutdownOutput();
        ProtocolException e = assertThrows(ProtocolException.class, conn::read);
        assertTrue(e.getMessage().contains("stream ended inside a frame header (2 of 4 bytes)"), e.getMessage());
    }

    @Test
    void theWorkerClosingItsEndIsAnEndOfStream() throws Exception {
        peer.write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(2), MAX)));
        peer.close();
        assertEquals(2L, conn.read().get("seq"));
        assertNull(conn.read());
        assertNull(conn.read(), "the end stays the end");
    }

    @Test
    void aFrameBiggerThanTheSocketsBuffersWaitsForRoomAndComesFirst() throws Exception {
        ends.shrinkBuffers();
        byte[] big = payload(1, 2, 8 * 1024 * 1024);
        CompletableFuture<Void> bigWrite = CompletableFuture.runAsync(() -> {
            try {
                conn.write(Messages.chunk(1, 0, big));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(transport.writeWaits.tryAcquire(10, TimeUnit.SECONDS), "the writer never had to wait for room");
        assertFalse(bigWrite.isDone());
        // A frame written meanwhile only queues behind it: its call returns before the worker reads a byte.
        CompletableFuture.runAsync(() -> {
            try {
                conn.write(Messages.heartbeat(3));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).get(10, TimeUnit.SECONDS);
        InputStream in = new BufferedInputStream(Channels.newInputStream(peer), 64 * 1024);
        Map<String, Object> first = FrameCodec.read(in, MAX);
        assertEquals(1L, first.get("id"));
        assertArrayEquals(big, (byte[]) first.get("data"));
        assertEquals(3L, FrameCodec.read(in, MAX).get("seq"));
        bigWrite.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closingFailsAWriterWaitingForRoom() throws Exception {
        ends.shrinkBuffers();
        CompletableFuture<Void> bigWrite = CompletableFuture.runAsync(() -> {
            try {
                conn.write(Messages.chunk(1, 0, new byte[8 * 1024 * 1024]));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(transport.writeWaits.tryAcquire(10, TimeUnit.SECONDS));
        conn.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> bigWrite.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getCause() instanceof ClosedChannelException, String.valueOf(e.getCause()));
        assertFalse(transport.isOpen());
    }

    @Test
    void aConnectionMadeFromAChannelCarriesFramesBothWays() throws Exception {
        try (Wire.Ends other = wire.connect(); Connection plain = new Connection(other.pool(), MAX)) {
            assertFalse(other.pool().isBlocking());
            if (wire == Wire.TCP) {
                assertTrue(other.pool().getOption(StandardSocketOptions.TCP_NODELAY), "Nagle would delay small frames");
            }
            plain.write(Messages.heartbeat(4));
            assertEquals(4L, FrameCodec.read(Channels.newInputStream(other.worker()), MAX).get("seq"));
            other.worker().write(ByteBuffer.wrap(FrameCodec.encode(Messages.heartbeat(5), MAX)));
            assertEquals(5L, plain.read().get("seq"));
        }
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
        AtomicBoolean closed = new AtomicBoolean();
        CountDownLatch looked = new CountDownLatch(1);
        CompletableFuture<Void> parked = CompletableFuture.runAsync(() -> conn.parkReader(() -> {
            looked.countDown();
            return closed.get();
        }, TimeUnit.SECONDS.toNanos(30)));
        assertTrue(transport.readWaits.tryAcquire(10, TimeUnit.SECONDS));
        // Found no work: it parks now, or has; close's unpark ends that either way.
        assertTrue(looked.await(10, TimeUnit.SECONDS));
        closed.set(true);
        conn.close();
        assertTrue(holder.get(10, TimeUnit.SECONDS) instanceof IOException);
        parked.get(10, TimeUnit.SECONDS);
        t.join();
    }

    /** The next message, however many waits it takes; only the role's holder may call it. */
    private Map<String, Object> nextMessage() throws IOException {
        Map<String, Object> m;
        do {
            m = conn.next(10_000);
        } while (m == Connection.NOTHING);
        return m;
    }
}
