package dev.taipan.protocol;

import dev.taipan.FrameTooLargeException;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

import org.msgpack.value.ValueType;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The frame format of docs/PROTOCOL.md: a 4-byte unsigned big-endian length, then one
 * MessagePack map. Every method is safe to call from any thread (encoding reuses a buffer
 * per thread).
 */
public final class FrameCodec {
    public static final int HEADER_BYTES = 4;
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
    /** A bad value in one of these ends the connection: without them the message has no meaning. */
    private static final Set<String> ENVELOPE_KEYS = Set.of("v", "type", "id");
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
        return encode(message, maxFrameBytes, null, false);
    }

    /**
     * Like {@link #encode(Map, int)}; an object outside the value domain (a record, a POJO)
     * is sent as what {@code converter} makes of it, in the same single pass.
     */
    public static byte[] encode(Map<String, ?> message, int maxFrameBytes, ValueConverter converter) {
        return encode(message, maxFrameBytes, converter, false);
    }

    /** {@code wideLast}: the last field is written as a fixed-width uint64 (see {@link CallFrame}). */
    static byte[] encode(Map<String, ?> message, int maxFrameBytes, ValueConverter converter, boolean wideLast) {
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
            Values.packMessage(packer, message, converter, wideLast);
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

    /**
     * {@link #decodeBody(byte[])} of the {@code length} bytes at {@code buf[off]}, without copying them.
     * A call's message with a field outside the value domain comes back as a {@link PartialMessage}
     * (the call fails, the connection is fine); everything else wrong is a {@link ProtocolException}.
     */
    public static Map<String, Object> decodeBody(byte[] buf, int off, int length) {
        Map<String, Object> message = new LinkedHashMap<>(16);
        String badField = null;
        String problem = null;
        int pos = 0; // where the current unpacker started, relative to off
        MessageUnpacker u = MessagePack.newDefaultUnpacker(buf, off, length);
        try {
            if (!u.hasNext()) {
                throw new ProtocolException("empty frame body");
            }
            MessageFormat f = u.getNextFormat();
            if (f.getValueType() != ValueType.MAP) {
                throw new ProtocolException("frame body is a " + describe(f.getValueType()) + ", not a map");
            }
            int n = u.unpackMapHeader();
            if (n < 0 || n > length) {
                throw new ProtocolException("envelope declares " + Integer.toUnsignedString(n) + " keys");
            }
            int keys = 0;
            for (int i = 0; i < n; i++) {
                Object key = ValueDecoder.unpackKey(u, length - pos); // str or int, like any map's
                long start = pos + u.getTotalReadBytes();
                Object value;
                try {
                    value = ValueDecoder.unpackField(u, length - pos,
                            "args".equals(key) && Messages.CALL.equals(message.get("type")));
                } catch (Values.BadValue b) {
                    String name = String.valueOf(key);
                    if (!(key instanceof String) || ENVELOPE_KEYS.contains(name)) {
                        throw new ProtocolException("envelope field " + name + ": " + b.describe(name));
                    }
                    keys++;
                    if (message.containsKey(name) || name.equals(badField)) {
                        throw new ProtocolException("envelope key " + name + " appears twice");
                    }
                    message.put(name, null); // nil: the call fails anyway (see PartialMessage)
                    if (badField == null) {
                        badField = name;
                        problem = b.describe(name);
                    }
                    // Skip the bad value whole (iteratively, whatever its depth) and go on after it.
                    u.close();
                    MessageUnpacker skip = MessagePack.newDefaultUnpacker(buf, off + (int) start, length - (int) start);
                    skip.skipValue();
                    pos = (int) (start + skip.getTotalReadBytes());
                    skip.close();
                    u = MessagePack.newDefaultUnpacker(buf, off + pos, length - pos);
                    continue;
                }
                if (key instanceof String) { // other keys are unknown keys: ignored
                    message.put((String) key, value);
                    if (message.size() != ++keys) {
                        throw new ProtocolException("envelope key " + key + " appears twice");
                    }
                }
            }
            if (u.hasNext()) {
                throw new ProtocolException("frame body has " + (length - pos - u.getTotalReadBytes())
                        + " trailing bytes after its message");
            }
        } catch (ProtocolException e) {
            throw e;
        } catch (Values.BadValue b) {
            throw new ProtocolException("message key: " + b.reason);
        } catch (EOFException e) {
            throw new ProtocolException("frame body ends inside a value", e);
        } catch (IOException | MessagePackException | IllegalArgumentException e) {
            throw new ProtocolException("frame body is not valid MessagePack: " + e.getMessage(), e);
        } finally {
            try {
                u.close();
            } catch (IOException ignored) {
                // in-memory
            }
        }
        Messages.validateEnvelope(message);
        if (badField == null) {
            return message;
        }
        Object id = message.get("id");
        if (!(id instanceof Long) || !Messages.belongsToCall(Messages.type(message))) {
            throw new ValueException("'" + Messages.type(message) + "' message: " + problem);
        }
        return new PartialMessage(message, badField, problem);
    }

    private static String describe(ValueType t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
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
