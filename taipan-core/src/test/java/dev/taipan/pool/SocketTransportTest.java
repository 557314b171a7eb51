package dev.taipan.pool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a {@link Transport} promises a {@link Connection}, held by the socket one over each
 * {@link Wire}: reads and writes never wait, waits end on bytes, time, a wakeup, an interrupt
 * or a close.
 */
@ParameterizedClass(name = "over {0}")
@EnumSource(Wire.class)
class SocketTransportTest {
    @Parameter
    Wire wire;

    private Wire.Ends ends;
    private SocketTransport transport;

    @BeforeEach
    void connect() throws IOException {
        ends = wire.connect();
        transport = new SocketTransport(ends.pool());
    }

    @AfterEach
    void close() throws IOException {
        transport.close();
        ends.close();
    }

    @Test
    void readsNeverWaitAndTellTheEndOfTheStream() throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(16);
        assertEquals(0, transport.read(buf));
        ends.worker().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        assertTrue(transport.awaitReadable(10_000));
        assertEquals(3, transport.read(buf));
        ends.worker().shutdownOutput();
        assertTrue(transport.awaitReadable(10_000));
        assertEquals(-1, transport.read(buf));
    }

    @Test
    void aWaitWithNothingToReadEndsInTime() throws Exception {
        long t0 = System.nanoTime();
        assertFalse(transport.awaitReadable(50));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(40));
    }

    @Test
    void aWakeupEndsTheNextWaitAtOnce() throws Exception {
        transport.wakeup();
        long t0 = System.nanoTime();
        assertFalse(transport.awaitReadable(30_000));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void anInterruptedWaitEndsAtOnceAndKeepsTheStatus() throws Exception {
        Thread.currentThread().interrupt();
        try {
            long t0 = System.nanoTime();
            assertFalse(transport.awaitReadable(30_000));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
        assertTrue(transport.isOpen(), "an interrupt never closes the transport");
    }

    @Test
    void aFullPipeTakesNothingUntilTheWorkerReads() throws Exception {
        ends.shrinkBuffers();
        ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
        long written = 0;
        int n;
        while ((n = transport.write(chunk.clear())) > 0) {
            written += n;
        }
        long sent = written;
        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> {
            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            try {
                for (long got = 0; got < sent; ) {
                    got += ends.worker().read(sink.clear());
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        long t0 = System.nanoTime();
        do {
            transport.awaitWritable(30_000);
        } while ((n = transport.write(chunk.clear())) == 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
        assertTrue(n > 0, "room came back once the worker read");
        drain.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closingEndsEveryWaitAndIsHarmlessTwice() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return transport.awaitReadable(30_000);
            } catch (ClosedChannelException e) {
                return false;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        transport.close();
        assertFalse(waiting.get(10, TimeUnit.SECONDS));
        assertFalse(transport.isOpen());
        assertThrows(ClosedChannelException.class, () -> transport.awaitReadable(30_000));
        assertThrows(ClosedChannelException.class, () -> transport.awaitWritable(30_000));
        assertThrows(ClosedChannelException.class, () -> transport.read(ByteBuffer.allocate(1)));
        transport.wakeup();
        transport.close();
    }
}
