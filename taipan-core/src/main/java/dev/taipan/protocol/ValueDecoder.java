package dev.taipan.protocol;

import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.core.buffer.MessageBuffer;
import org.msgpack.value.ValueType;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decoding half of {@link Values}: MessagePack to Java within the one value domain, with
 * the path of a bad part built as the error unwinds. Kept apart from encoding because the two
 * share only the domain's limits and the path rules, which stay in {@code Values}.
 */
final class ValueDecoder {
    private ValueDecoder() {
    }

    /**
     * Reads one value from a frame body of {@code bodyLength} bytes; maps decode to
     * LinkedHashMap, arrays to ArrayList, integers to Long. A value outside the domain is a
     * {@link ValueException}; a body that is not MessagePack a {@link ProtocolException}.
     */
    static Object unpack(MessageUnpacker u, long bodyLength) throws IOException {
        try {
            return unpack(u, bodyLength, 1);
        } catch (Values.BadValue b) {
            throw new ValueException(b.describe("value"));
        }
    }

    /**
     * Like {@link #unpack(MessageUnpacker, long)}; a bad value unwinds as {@link Values.BadValue}.
     * {@code argumentList}: the value is a call's args, whose elements are the roots.
     */
    static Object unpackField(MessageUnpacker u, long len, boolean argumentList) throws IOException {
        return unpack(u, len, argumentList ? 0 : 1);
    }

    /** A map key, str or int; anything else unwinds as {@link Values.BadValue}. */
    static Object unpackKey(MessageUnpacker u, long len) throws IOException {
        return readKey(u, len);
    }

    /** {@code depth}: the level a container read here would be at (a value's root is 1). */
    private static Object unpack(MessageUnpacker u, long len, int depth) throws IOException {
        MessageFormat f = u.getNextFormat();
        ValueType t = f.getValueType();
        switch (t) {
            case NIL:
                u.unpackNil();
                return null;
            case BOOLEAN:
                return u.unpackBoolean();
            case INTEGER:
                return readInteger(u, f);
            case FLOAT:
                return u.unpackDouble();
            case STRING:
                return readString(u, len);
            case BINARY: {
                int n = u.unpackBinaryHeader();
                checkRemaining(u, len, n);
                return u.readPayload(n);
            }
            case ARRAY: {
                if (depth > Values.MAX_DEPTH) {
                    throw new Values.BadValue("nested deeper than " + Values.MAX_DEPTH + " levels");
                }
                int n = u.unpackArrayHeader();
                checkRemaining(u, len, n);
                List<Object> list = new ArrayList<>(n);
                int i = 0;
                try {
                    for (; i < n; i++) {
                        list.add(unpack(u, len, depth + 1));
                    }
                } catch (Values.BadValue b) {
                    throw b.at("[" + i + "]", null);
                }
                return list;
            }
            case MAP: {
                if (depth > Values.MAX_DEPTH) {
                    throw new Values.BadValue("nested deeper than " + Values.MAX_DEPTH + " levels");
                }
                int n = u.unpackMapHeader();
                checkRemaining(u, len, n);
                Map<Object, Object> map = new LinkedHashMap<>(Math.max(4, n * 2));
                for (int i = 0; i < n; i++) {
                    Object k = readKey(u, len);
                    try {
                        map.put(k, unpack(u, len, depth + 1));
                    } catch (Values.BadValue b) {
                        throw b.at(Values.segment(k), null);
                    }
                    if (map.size() != i + 1) {
                        throw new Values.BadValue("duplicate map key " + Values.segment(k));
                    }
                }
                return map;
            }
            case EXTENSION:
                throw new Values.BadValue("MessagePack extension types are not values of the protocol");
            default:
                throw new ProtocolException("unexpected MessagePack format " + f);
        }
    }

    private static Object readKey(MessageUnpacker u, long len) throws IOException {
        MessageFormat f = u.getNextFormat();
        ValueType t = f.getValueType();
        if (t == ValueType.STRING) {
            try {
                return readString(u, len);
            } catch (Values.BadValue b) {
                throw new Values.BadValue("map key: " + b.reason);
            }
        }
        if (t == ValueType.INTEGER) {
            return readInteger(u, f);
        }
        throw new Values.BadValue("a map key of type " + t.name().toLowerCase(java.util.Locale.ROOT)
                + " is not allowed: map keys are str or int");
    }

    private static Object readInteger(MessageUnpacker u, MessageFormat f) throws IOException {
        if (f == MessageFormat.UINT64) {
            BigInteger b = u.unpackBigInteger();
            return b.bitLength() <= 63 ? (Object) b.longValue() : b;
        }
        return u.unpackLong();
    }

    private static String readString(MessageUnpacker u, long len) throws IOException {
        int n = u.unpackRawStringHeader();
        checkRemaining(u, len, n);
        MessageBuffer b = u.readPayloadAsReference(n); // no copy when the body is an array
        try {
            return b.hasArray() ? decodeUtf8(b.array(), b.arrayOffset(), n) : decodeUtf8(b.toByteArray(), 0, n);
        } catch (ProtocolException e) {
            throw new Values.BadValue("string is not valid UTF-8");
        }
    }

    /**
     * Strict: invalid UTF-8 is refused, never silently replaced. The JDK's own UTF-8
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
