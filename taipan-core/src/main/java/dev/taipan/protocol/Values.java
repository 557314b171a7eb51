package dev.taipan.protocol;

import dev.taipan.SerializationException;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maps Java values to MessagePack and back, within the one value domain of docs/PROTOCOL.md
 * ("Values", and protocol/value-domain.json): what this encoder writes, the Python decoder
 * takes, and the other way round. Strings are always written with the smallest header so
 * both sides' encoders agree byte for byte (the golden vectors check it).
 *
 * <p>Paths of bad parts ({@code args[0]["items"][3]}) are built only on failure, as the error
 * unwinds, so a good value pays nothing for them.
 */
public final class Values {
    /** Containers nested deeper than this, counted from a value's own root, are refused. */
    public static final int MAX_DEPTH = 256;
    public static final BigInteger INT_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    public static final BigInteger INT_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private Values() {
    }

    // ------------------------------------------------------------------ encoding

    /** Packs one value, named {@code value} in error paths. */
    public static void pack(MessagePacker packer, Object value) throws IOException {
        pack(packer, value, "value");
    }

    /** The msgpack uint64 marker: a fixed-width int is this byte and 8 big-endian bytes. */
    static final byte UINT64 = (byte) 0xcf;
    /** Bytes of a fixed-width uint64, marker included. */
    static final int UINT64_BYTES = 9;

    /**
     * Packs one value; a part outside the value domain fails with a
     * {@link SerializationException} naming its path from {@code root}, e.g. {@code args[0][2]}.
     */
    public static void pack(MessagePacker packer, Object value, String root) throws IOException {
        pack(packer, value, root, 0, null);
    }

    private static void pack(MessagePacker packer, Object value, String root, int depth, ValueConverter converter)
            throws IOException {
        try {
            packValue(packer, value, depth, converter);
        } catch (BadValue b) {
            throw new SerializationException(b.describe(root));
        }
    }

    /**
     * Packs a whole message: each field's value is its own root (the envelope adds no depth),
     * and a call's {@code args} list or map holds the roots (each argument), so a value that
     * came back from Python can always be passed to it again.
     *
     * @param converter asked about objects outside the value domain; null: they are refused
     * @param wideLast  write the last field, a non-negative integer, as a uint64 of fixed
     *                  width, so that it can be rewritten in place (see {@link CallFrame})
     */
    static void packMessage(MessagePacker p, Map<String, ?> message, ValueConverter converter, boolean wideLast)
            throws IOException {
        int n = message.size();
        p.packMapHeader(n);
        boolean call = Messages.CALL.equals(message.get("type"));
        for (Map.Entry<String, ?> e : message.entrySet()) {
            String key = e.getKey();
            pack(p, key, "a message key", 0, null);
            if (wideLast && --n == 0) {
                packUint64(p, key, e.getValue());
            } else {
                pack(p, e.getValue(), key, call && "args".equals(key) ? -1 : 0, converter);
            }
        }
    }

    private static void packUint64(MessagePacker p, String key, Object value) throws IOException {
        if (!(value instanceof Long) || (Long) value < 0) {
            throw new IllegalArgumentException("the last field, " + key + ", must be a non-negative Long, not "
                    + value);
        }
        byte[] wide = new byte[UINT64_BYTES];
        wide[0] = UINT64;
        putLong(wide, 1, (Long) value);
        p.writePayload(wide);
    }

    /** Writes {@code v} big-endian into the 8 bytes at {@code b[off]}. */
    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    /**
     * {@code depth}: containers around {@code v}; {@code converter}: asked about an object
     * outside the domain, or null.
     */
    private static void packValue(MessagePacker p, Object v, int depth, ValueConverter converter)
            throws IOException {
        if (v == null) {
            p.packNil();
        } else if (v instanceof String) {
            packString(p, (String) v);
        } else if (v instanceof Boolean) {
            p.packBoolean((Boolean) v);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            p.packLong(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            p.packDouble(((Number) v).doubleValue()); // float64 always; NaN and infinities included
        } else if (v instanceof byte[]) {
            byte[] b = (byte[]) v;
            p.packBinaryHeader(b.length);
            p.writePayload(b);
        } else if (v instanceof Map) {
            checkDepth(v, depth);
            packMap(p, (Map<?, ?>) v, depth + 1, converter);
        } else if (v instanceof Collection) {
            checkDepth(v, depth);
            Collection<?> c = (Collection<?>) v;
            p.packArrayHeader(c.size());
            int i = 0;
            try {
                for (Object o : c) {
                    packValue(p, o, depth + 1, converter);
                    i++;
                }
            } catch (BadValue b) {
                throw b.at("[" + i + "]", v);
            }
        } else if (v.getClass().isArray()) {
            checkDepth(v, depth);
            int n = Array.getLength(v);
            p.packArrayHeader(n);
            int i = 0;
            try {
                for (; i < n; i++) {
                    packValue(p, Array.get(v, i), depth + 1, converter);
                }
            } catch (BadValue b) {
                throw b.at("[" + i + "]", v);
            }
        } else if (v instanceof BigInteger) {
            packBigInteger(p, (BigInteger) v);
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
            // not on the wire: no level of its own
            packValue(p, ((Optional<?>) v).orElse(null), depth, converter);
        } else {
            packConverted(p, v, depth, converter);
        }
    }

    /**
     * An object outside the domain: what the converter makes of it takes its place, at its
     * depth. Bounded whatever the converter does: an answer that is a container adds a level
     * (so the depth limit ends any chain of them), and any other answer is not converted again.
     */
    private static void packConverted(MessagePacker p, Object v, int depth, ValueConverter converter)
            throws IOException {
        Object converted = v;
        if (converter != null) {
            try {
                converted = converter.convert(v);
            } catch (IllegalArgumentException e) {
                throw new BadValue("cannot convert a " + v.getClass().getName() + ": " + e.getMessage());
            }
        }
        if (converted == v) {
            throw new BadValue("cannot send a " + v.getClass().getName()
                    + ": use Map, List, String, numbers, Boolean, byte[] or null"
                    + (converter == null ? "" : ", or a record or POJO"));
        }
        boolean container = converted instanceof Map || converted instanceof Collection
                || (converted != null && converted.getClass().isArray());
        packValue(p, converted, depth, container ? converter : null);
    }

    private static void checkDepth(Object container, int depth) {
        if (depth >= MAX_DEPTH) {
            throw new BadValue("nested deeper than " + MAX_DEPTH + " levels").deep(container);
        }
    }

    private static void packMap(MessagePacker p, Map<?, ?> m, int depth, ValueConverter converter)
            throws IOException {
        p.packMapHeader(m.size());
        // Distinct Java keys can be one wire key (Integer 1 and Long 1, "a" and a StringBuilder
        // "a"); only maps with such keys pay for the check.
        boolean onlyStrings = !(m instanceof IdentityHashMap);
        if (onlyStrings) {
            for (Object k : m.keySet()) {
                if (!(k instanceof String)) {
                    onlyStrings = false;
                    break;
                }
            }
        }
        Set<Object> seen = onlyStrings ? null : new HashSet<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object key = packKey(p, e.getKey());
            if (seen != null && !seen.add(key)) {
                throw new BadValue("duplicate map key " + segment(key)
                        + " (distinct Java keys that are the same key on the wire)");
            }
            try {
                packValue(p, e.getValue(), depth, converter);
            } catch (BadValue b) {
                throw b.at(segment(key), m);
            }
        }
    }

    /** Packs a map key (str or int only) and returns it as it is on the wire: String, Long or BigInteger. */
    private static Object packKey(MessagePacker p, Object k) throws IOException {
        if (k instanceof String || k instanceof CharSequence || k instanceof Character || k instanceof Enum) {
            String s = k instanceof Enum ? ((Enum<?>) k).name() : k.toString();
            try {
                packString(p, s);
            } catch (BadValue b) {
                throw new BadValue("map key: " + b.reason);
            }
            return s;
        }
        if (k instanceof Integer || k instanceof Long || k instanceof Short || k instanceof Byte
                || k instanceof AtomicInteger || k instanceof AtomicLong) {
            long n = ((Number) k).longValue();
            p.packLong(n);
            return n;
        }
        if (k instanceof BigInteger) {
            BigInteger b = (BigInteger) k;
            packBigInteger(p, b);
            return b.bitLength() <= 63 ? (Object) b.longValue() : b;
        }
        throw new BadValue((k == null ? "a null map key" : "a map key of type " + k.getClass().getName())
                + " cannot be sent: map keys are str or int");
    }

    private static void packBigInteger(MessagePacker p, BigInteger b) throws IOException {
        if (b.bitLength() <= 63) {
            p.packLong(b.longValue());
        } else if (b.signum() > 0 && b.compareTo(INT_MAX) <= 0) {
            p.packBigInteger(b);
        } else {
            throw new BadValue("integer " + b + " is outside [-2^63, 2^64-1]");
        }
    }

    /**
     * Strict: a lone surrogate is refused, never replaced ({@code String.getBytes} would write
     * '?'). Only non-ASCII strings, or ASCII ones with a '?', are looked at char by char.
     */
    private static void packString(MessagePacker p, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        // Every char is one UTF-8 byte only if it is ASCII or a lone surrogate (written as '?').
        if (utf8.length != s.length() || indexOfQuestionMark(utf8) >= 0) {
            checkScalarValues(s);
        }
        p.packRawStringHeader(utf8.length);
        p.writePayload(utf8);
    }

    private static int indexOfQuestionMark(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '?') {
                return i;
            }
        }
        return -1;
    }

    private static void checkScalarValues(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new BadValue(String.format("string has a lone surrogate U+%04X at index %d", (int) c, i));
            }
        }
    }

    // ------------------------------------------------------------------ decoding (ValueDecoder)

    /**
     * Reads one value from a frame body of {@code bodyLength} bytes; maps decode to
     * LinkedHashMap, arrays to ArrayList, integers to Long. A value outside the domain is a
     * {@link ValueException}; a body that is not MessagePack a {@link ProtocolException}.
     */
    public static Object unpack(MessageUnpacker u, long bodyLength) throws IOException {
        return ValueDecoder.unpack(u, bodyLength);
    }

    // ------------------------------------------------------------------ paths

    /** A path segment for a map key: {@code ["name"]} or {@code [3]}. */
    static String segment(Object key) {
        if (!(key instanceof String)) {
            return "[" + key + "]";
        }
        String s = (String) key;
        StringBuilder b = new StringBuilder(s.length() + 4).append("[\"");
        int shown = Math.min(s.length(), 60);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c)); // never a lone surrogate in a message
            } else {
                b.append(c);
            }
        }
        if (shown < s.length()) {
            b.append("...");
        }
        return b.append("\"]").toString();
    }

    /**
     * A part of a value outside the domain, unwinding: each enclosing container adds its
     * segment of the path. No stack trace: it is always caught and turned into a typed error.
     */
    static final class BadValue extends RuntimeException {
        final String reason;
        private final ArrayDeque<String> path = new ArrayDeque<>();
        /** Containers from the innermost out, kept only when the depth limit was hit (cycle check). */
        private List<Object> containers;

        BadValue(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }

        BadValue deep(Object container) {
            containers = new ArrayList<>();
            containers.add(container);
            return this;
        }

        BadValue at(String segment, Object container) {
            path.addFirst(segment);
            if (containers != null && container != null) {
                containers.add(container);
            }
            return this;
        }

        String path(String root) {
            return pathTo(root, new ArrayList<>(path), path.size());
        }

        /** {@code <path>: <reason>}; a depth overflow that is really a cycle says so, where it closes. */
        String describe(String root) {
            if (containers != null) {
                // containers: innermost first; segments: outermost first. Find the first container
                // (from the root down) that appears again deeper: the value contains itself.
                int levels = containers.size();
                Map<Object, Integer> seenAt = new IdentityHashMap<>();
                List<String> segments = new ArrayList<>(path);
                for (int depth = 0; depth < levels; depth++) {
                    Object c = containers.get(levels - 1 - depth);
                    Integer first = seenAt.putIfAbsent(c, depth);
                    if (first != null) {
                        String at = pathTo(root, segments, depth);
                        return at + ": the value contains itself (a cycle): " + at + " is the same object as "
                                + pathTo(root, segments, first);
                    }
                }
            }
            return path(root) + ": " + reason;
        }

        /** The path through the first {@code depth} segments; a very deep one is shortened in the middle. */
        private static String pathTo(String root, List<String> segments, int depth) {
            int n = Math.min(depth, segments.size());
            StringBuilder b = new StringBuilder(root);
            for (int i = 0; i < n; i++) {
                if (n > 24 && i == 12) {
                    b.append("...(").append(n - 20).append(" levels)...");
                    i = n - 8;
                }
                b.append(segments.get(i));
            }
            return b.toString();
        }
    }
}
