package dev.taipan.protocol;

import dev.taipan.SerializationException;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps Java values to MessagePack and back, following the table in docs/PROTOCOL.md.
 * Strings are always written with the smallest header so both sides' encoders agree byte
 * for byte (the golden vectors check it).
 */
public final class Values {
    /** Deeper than this is almost certainly a cycle or hostile input; both are refused. */
    static final int MAX_DEPTH = 512;
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private Values() {
    }

    public static void pack(MessagePacker packer, Object value) throws IOException {
        pack(packer, value, 0, "args");
    }

    private static void pack(MessagePacker p, Object v, int depth, String path) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new SerializationException("value nested deeper than " + MAX_DEPTH + " levels at " + path
                    + " (a cycle?)");
        }
        if (v == null) {
            p.packNil();
        } else if (v instanceof String) {
            packString(p, (String) v);
        } else if (v instanceof Boolean) {
            p.packBoolean((Boolean) v);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            p.packLong(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            p.packDouble(((Number) v).doubleValue());
        } else if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                pack(p, e.getKey(), depth + 1, path);
                pack(p, e.getValue(), depth + 1, path + "." + e.getKey());
            }
        } else if (v instanceof Collection) {
            Collection<?> c = (Collection<?>) v;
            p.packArrayHeader(c.size());
            int i = 0;
            for (Object o : c) {
                pack(p, o, depth + 1, path + "[" + i++ + "]");
            }
        } else if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            p.packArrayHeader(n);
            for (int i = 0; i < n; i++) {
                pack(p, Array.get(v, i), depth + 1, path + "[" + i + "]");
            }
        } else if (v instanceof BigInteger) {
            BigInteger b = (BigInteger) v;
            if (b.bitLength() <= 63) {
                p.packLong(b.longValue());
            } else if (b.signum() > 0 && b.compareTo(UINT64_MAX) <= 0) {
                p.packBigInteger(b);
            } else {
                throw new SerializationException("integer " + b + " at " + path + " does not fit in 64 bits");
            }
        } else if (v instanceof BigDecimal) {
            p.packDouble(((BigDecimal) v).doubleValue());
        } else if (v instanceof Number) {
            // AtomicLong, LongAdder and friends: integral unless they say otherwise.
            Number n = (Number) v;
            if (n.doubleValue() == n.longValue()) {
                p.packLong(n.longValue());
            } else {
                p.packDouble(n.doubleValue());
            }
        } else if (v instanceof CharSequence || v instanceof Character) {
            packString(p, v.toString());
        } else if (v instanceof Enum) {
            packString(p, ((Enum<?>) v).name());
        } else if (v instanceof Optional) {
            pack(p, ((Optional<?>) v).orElse(null), depth + 1, path);
        } else {
            throw new SerializationException("cannot send a " + v.getClass().getName() + " at " + path
                    + ": use Map, List, String, numbers, Boolean, byte[] or null"
                    + " (records and POJOs are converted when passed as the whole argument)");
        }
    }

    private static void packString(MessagePacker p, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        p.packRawStringHeader(utf8.length);
        p.writePayload(utf8);
    }

    /**
     * Reads one value from a frame body of {@code bodyLength} bytes; maps decode to
     * LinkedHashMap, arrays to ArrayList, integers to Long.
     */
    public static Object unpack(MessageUnpacker u, long bodyLength) throws IOException {
        return unpack(u, bodyLength, 0);
    }

    private static Object unpack(MessageUnpacker u, long len, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("message nested deeper than " + MAX_DEPTH + " levels");
        }
        MessageFormat f = u.getNextFormat();
        ValueType t = f.getValueType();
        switch (t) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                if (f == MessageFormat.UINT64) {
                    BigInteger b = u.unpackBigInteger();
                    return b.bitLength() <= 63 ? (Object) b.longValue() : b;
                }
                return u.unpackLong();
            case FLOAT:
                return u.unpackDouble();
            case STRING: {
                int n = u.unpackRawStringHeader();
                checkRemaining(u, len, n);
                MessageBuffer b = u.readPayloadAsReference(n); // no copy when the body is an array
                return b.hasArray() ? decodeUtf8(b.array(), b.arrayOffset(), n) : decodeUtf8(b.toByteArray(), 0, n);
            }
            case BINARY: {
                int n = u.unpackBinaryHeader();
                checkRemaining(u, len, n);
                return u.readPayload(n);
            }
            case ARRAY: {
                int n = u.unpackArrayHeader();
                checkRemaining(u, len, n);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(unpack(u, len, depth + 1));
                }
                return list;
            }
            case MAP: {
                int n = u.unpackMapHeader();
                checkRemaining(u, len, n);
                Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
                for (int i = 0; i < n; i++) {
                    Object k = unpack(u, len, depth + 1);
                    map.put(k, unpack(u, len, depth + 1));
                }
                return map;
            }
            case EXTENSION:
                throw new ProtocolException("MessagePack extension types are not part of the protocol");
            default:
                throw new ProtocolException("unexpected MessagePack format " + f);
        }
    }

    /**
     * Strict: invalid UTF-8 is a protocol error, never silently replaced. The JDK's own UTF-8
     * decoding (fast, intrinsic for ASCII) replaces every malformed sequence with U+FFFD, so
     * only a string that contains U+FFFD needs the strict decoder to tell a real one from a
     * replacement.
     */
    static String decodeUtf8(byte[] bytes, int off, int n) throws ProtocolException {
        String s = new String(bytes, off, n, StandardCharsets.UTF_8);
        if (s.indexOf('\uFFFD') < 0) {
            return s;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, off, n)).toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException("string is not valid UTF-8", e);
        }
    }

    /**
     * A declared length can never exceed the bytes left in the frame (every element takes at
     * least one byte), so checking it first stops a hostile header from making us allocate.
     */
    private static void checkRemaining(MessageUnpacker u, long len, int declared) throws ProtocolException {
        long left = len - u.getTotalReadBytes();
        if (declared < 0 || declared > left) {
            throw new ProtocolException("declared length " + Integer.toUnsignedString(declared)
                    + " exceeds the " + left + " bytes left in the frame");
        }
    }
}
