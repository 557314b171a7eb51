package dev.taipan.pool;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.SerializationException;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Conversions between the caller's Java objects and wire values. The mapper is configured
 * once here and never changed afterwards (Jackson mappers are thread-safe), so sharing it
 * puts no mutable state between pools.
 */
public final class JavaValues {
    private static final ObjectMapper MAPPER = new ObjectMapper()
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
        try {
            return MAPPER.convertValue(args, Map.class);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("cannot convert " + args.getClass().getName()
                    + " to keyword arguments: " + e.getMessage(), e);
        }
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
