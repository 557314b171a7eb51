package dev.taipan.protocol;

import dev.taipan.FrameTooLargeException;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;

/**
 * The frame format of docs/PROTOCOL.md: a 4-byte unsigned big-endian length, then one
 * MessagePack map. Every method is safe to call from any thread (encoding reuses a buffer
 * per thread).
 */
public final class FrameCodec {
    public static final int HEADER_BYTES = 4;
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
    private static final byte[] HEADER_PLACEHOLDER = new byte[HEADER_BYTES];
    /** Each thread's encoding buffer (see {@link FrameBuffer}). */
    private static final ThreadLocal<FrameBuffer> BUFFERS = ThreadLocal.withInitial(FrameBuffer::new);

    private FrameCodec() {
    }

    /**
     * Encodes a message into a whole frame, header included. Fails with
     * {@link FrameTooLargeException} before returning anything over {@code maxFrameBytes}.
     */
    public static byte[] encode(Map<String, ?> message, int maxFrameBytes) {
        // Each thread packs into its own reused buffer; the frame is the one copy made of it.
        FrameBuffer out = BUFFERS.get();
        if (out.busy) {
            out = new FrameBuffer(); // an encode inside an encode (a value's toString calling the pool)
        }
        out.busy = true;
        try {
            out.reset();
            MessagePacker packer = MessagePack.DEFAULT_PACKER_CONFIG.newPacker(out);
            // Reserve the header, fill it in once the body size is known.
            packer.writePayload(HEADER_PLACEHOLDER);
            Values.pack(packer, message);
            packer.flush();
            long body = out.size() - HEADER_BYTES;
            if (body > maxFrameBytes) {
                throw new FrameTooLargeException("message of " + body + " bytes exceeds the maximum frame size of "
                        + maxFrameBytes + " bytes (PoolConfig.maxFrameBytes)", body, maxFrameBytes);
            }
            byte[] frame = Arrays.copyOf(out.array(), out.size());
            frame[0] = (byte) (body >>> 24);
            frame[1] = (byte) (body >>> 16);
            frame[2] = (byte) (body >>> 8);
            frame[3] = (byte) body;
            return frame;
        } catch (IOException e) {
            throw new IllegalStateException("in-memory packing cannot fail", e);
        } finally {
            out.busy = false;
            if (out.oversized()) {
                BUFFERS.remove(); // do not keep a big frame's buffer for the thread's lifetime
            }
        }
    }

    /**
     * Reads one frame. Returns {@code null} on a clean end of stream at a frame boundary;
     * throws {@link ProtocolException} for a bad header or body and for a stream that ends
     * inside a frame. The header is checked before the body is allocated.
     */
    public static Map<String, Object> read(InputStream in, int maxFrameBytes) throws IOException {
        byte[] header = new byte[HEADER_BYTES];
        int got = readFully(in, header);
        if (got == 0) {
            return null;
        }
        if (got < HEADER_BYTES) {
            throw new ProtocolException("stream ended inside a frame header (" + got + " of 4 bytes)");
        }
        long length = ((header[0] & 0xFFL) << 24) | ((header[1] & 0xFFL) << 16)
                | ((header[2] & 0xFFL) << 8) | (header[3] & 0xFFL);
        checkLength(length, maxFrameBytes);
        byte[] body = new byte[(int) length];
        int n = readFully(in, body);
        if (n < length) {
            throw new ProtocolException("stream ended inside a frame body (" + n + " of " + length + " bytes)");
        }
        return decodeBody(body);
    }

    /**
     * The body length declared by the 4-byte header at {@code buf[off]}, checked like
     * {@link #read} checks it (not 0, not over {@code maxFrameBytes}) before anything else.
     */
    public static int bodyLength(byte[] buf, int off, int maxFrameBytes) {
        long length = ((buf[off] & 0xFFL) << 24) | ((buf[off + 1] & 0xFFL) << 16)
                | ((buf[off + 2] & 0xFFL) << 8) | (buf[off + 3] & 0xFFL);
        checkLength(length, maxFrameBytes);
        return (int) length;
    }

    static void checkLength(long length, int maxFrameBytes) {
        if (length == 0) {
            throw new ProtocolException("frame of length 0");
        }
        if (length > maxFrameBytes) {
            throw new ProtocolException("frame header declares " + length + " bytes, over the maximum of "
                    + maxFrameBytes);
        }
    }

    /** Decodes and validates one frame body: exactly one map, version 1, a known type. */
    public static Map<String, Object> decodeBody(byte[] body) {
        return decodeBody(body, 0, body.length);
    }

    /** {@link #decodeBody(byte[])} of the {@code length} bytes at {@code buf[off]}, without copying them. */
    public static Map<String, Object> decodeBody(byte[] buf, int off, int length) {
        Object value;
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(buf, off, length)) {
            if (!u.hasNext()) {
                throw new ProtocolException("empty frame body");
            }
            value = Values.unpack(u, length);
            if (u.hasNext()) {
                throw new ProtocolException("frame body has " + (length - u.getTotalReadBytes())
                        + " trailing bytes after its message");
            }
        } catch (ProtocolException e) {
            throw e;
        } catch (EOFException e) {
            throw new ProtocolException("frame body ends inside a value", e);
        } catch (IOException | MessagePackException | IllegalArgumentException e) {
            throw new ProtocolException("frame body is not valid MessagePack: " + e.getMessage(), e);
        }
        if (!(value instanceof Map)) {
            throw new ProtocolException("frame body is a " + describe(value) + ", not a map");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> message = (Map<String, Object>) value;
        Messages.validateEnvelope(message);
        return message;
    }

    private static String describe(Object v) {
        return v == null ? "nil" : v.getClass().getSimpleName();
    }

    private static int readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int n = in.read(buf, off, buf.length - off);
            if (n < 0) {
                break;
            }
            off += n;
        }
        return off;
    }
}
