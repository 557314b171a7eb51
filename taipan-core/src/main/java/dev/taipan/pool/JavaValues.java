package dev.taipan.pool;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.SerializationException;
import dev.taipan.protocol.Values;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversions between the caller's Java objects and wire values. The mapper is configured
 * once here and never changed afterwards (Jackson mappers are thread-safe), so sharing it
 * puts no mutable state between pools.
 */
public final class JavaValues {
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            // A POJO graph deeper than the value domain cannot be sent anyway: stop Jackson there,
            // long before its recursion could overflow the stack (a cycle included).
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(Values.MAX_DEPTH + 8).build())
            .build())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private JavaValues() {
    }

    /** Normalises call arguments to what the protocol carries: array, map or nil. */
    static Object toWireArgs(Object args) {
        if (args == null || args instanceof Map || args instanceof Collection) {
            return args;
        }
        if (args instanceof byte[] || args instanceof CharSequence || args instanceof Number
                || args instanceof Boolean || args instanceof Character || args instanceof Enum) {
            return List.of(args);
        }
        if (args.getClass().isArray()) {
            return args;
        }
        if (isJdkType(args.getClass())) {
            return List.of(args); // one positional argument; the encoder names it if it cannot go
        }
        try {
            return MAPPER.convertValue(args, Map.class);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("cannot convert " + args.getClass().getName()
                    + " to keyword arguments: " + e.getMessage(), e);
        }
    }

    /**
     * Rewrites a value so that records and POJOs nested anywhere inside become maps. Only
     * used after plain encoding failed, so the common case pays nothing for it. Bounded: past
     * the value domain's depth, or at a container already on the way down (a cycle), the part
     * is left as it is and the encoder then refuses it with its path.
     */
    static Object pojosToMaps(Object v) {
        return pojosToMaps(v, 0, new IdentityHashMap<>());
    }

    private static Object pojosToMaps(Object v, int depth, Map<Object, Boolean> onPath) {
        if (v == null || v instanceof CharSequence || v instanceof Number || v instanceof Boolean
                || v instanceof byte[] || v instanceof Character || v instanceof Enum) {
            return v;
        }
        if (depth > Values.MAX_DEPTH || onPath.containsKey(v)) {
            return v;
        }
        if (v instanceof java.util.Optional) {
            return pojosToMaps(((java.util.Optional<?>) v).orElse(null), depth, onPath);
        }
        boolean container = v instanceof Map || v instanceof Collection || v.getClass().isArray();
        if (container) {
            onPath.put(v, Boolean.TRUE);
        }
        try {
            if (v instanceof Map) {
                Map<Object, Object> out = new LinkedHashMap<>();
                ((Map<?, ?>) v).forEach((k, x) -> out.put(k, pojosToMaps(x, depth + 1, onPath)));
                return out;
            }
            if (v instanceof Collection) {
                List<Object> out = new ArrayList<>();
                ((Collection<?>) v).forEach(x -> out.add(pojosToMaps(x, depth + 1, onPath)));
                return out;
            }
            if (v.getClass().isArray()) {
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < Array.getLength(v); i++) {
                    out.add(pojosToMaps(Array.get(v, i), depth + 1, onPath));
                }
                return out;
            }
        } finally {
            if (container) {
                onPath.remove(v);
            }
        }
        if (isJdkType(v.getClass())) {
            // A Thread or a Socket has getters too, but it is not data: let the encoder refuse it.
            return v;
        }
        try {
            // Jackson's own nesting limit (below) stops a cyclic or very deep POJO graph.
            Object converted = MAPPER.convertValue(v, Object.class);
            return converted == v ? v : pojosToMaps(converted, depth, onPath);
        } catch (IllegalArgumentException e) {
            return v; // the encoder reports it with its path
        }
    }

    private static boolean isJdkType(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.");
    }

    /** Converts a decoded result to the caller's type. */
    public static <T> T convert(Object value, Class<T> type, String function) {
        if (value == null || type.isInstance(value)) {
            return type.cast(value);
        }
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("result of " + function + " does not convert to "
                    + type.getName() + ": " + e.getMessage(), e);
        }
    }
}
