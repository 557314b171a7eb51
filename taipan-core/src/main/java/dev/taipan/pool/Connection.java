package dev.taipan.pool;

import dev.taipan.protocol.FrameCodec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * One worker's socket: a single reader thread calls {@link #read}, any thread may
 * {@link #write} whole frames. Writes go straight to the channel under a lock (never
 * through a channel OutputStream, whose lock a blocked reader would hold).
 */
final class Connection implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;
    private final int maxFrameBytes;
    private final Object writeLock = new Object();

    Connection(SocketChannel channel, int maxFrameBytes) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The next message, or null at a clean end of stream. */
    Map<String, Object> read() throws IOException {
        return FrameCodec.read(in, maxFrameBytes);
    }

    void write(byte[] frame) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        synchronized (writeLock) {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        }
    }

    void write(Map<String, ?> message) throws IOException {
        write(FrameCodec.encode(message, maxFrameBytes));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a broken socket may fail; it is closed either way.
        }
    }
}
