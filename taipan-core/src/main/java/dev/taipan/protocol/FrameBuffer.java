package dev.taipan.protocol;

import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.core.buffer.MessageBufferOutput;

import java.util.Arrays;

/**
 * Where {@link FrameCodec#encode} packs a frame: one growable array, reused by the thread
 * that owns it, so encoding a small message allocates nothing but the finished frame.
 */
final class FrameBuffer implements MessageBufferOutput {
    /** A buffer grown past this is dropped after use rather than kept by its thread. */
    static final int KEEP_BYTES = 64 * 1024;
    private static final int INITIAL_BYTES = 4096;
    /** The least room handed to the packer at a time, so it does not come back byte by byte. */
    private static final int MIN_CHUNK = 512;

    private byte[] buf = new byte[INITIAL_BYTES];
    private int size;
    /** Set while an encode uses this buffer: a nested encode on the same thread gets its own. */
    boolean busy;

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    byte[] array() {
        return buf;
    }

    boolean oversized() {
        return buf.length > KEEP_BYTES;
    }

    private void ensure(int more) {
        int need = size + more;
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
        }
    }

    @Override
    public MessageBuffer next(int minimumSize) {
        ensure(Math.max(minimumSize, MIN_CHUNK));
        return MessageBuffer.wrap(buf, size, buf.length - size);
    }

    @Override
    public void writeBuffer(int length) {
        size += length;
    }

    @Override
    public void write(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, buf, size, len);
        size += len;
    }

    @Override
    public void add(byte[] src, int off, int len) {
        write(src, off, len);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
