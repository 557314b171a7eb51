package dev.taipan.pool;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.taipan.SerializationException;
import dev.taipan.protocol.Values;

import java.io.IOException;
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
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /**
     * Levels a converted graph may have: one more than the value domain's, as a POJO passed
     * as the whole argument becomes the keyword map around the arguments (their roots).
     */
    private static final int MAX_CONVERTED_DEPTH = Values.MAX_DEPTH + 1;

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
            return toPlain(args, Map.class);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("cannot convert " + args.getClass().getName()
                    + " to keyword arguments: " + conversionProblem(e), e);
        }
    }

    /**
     * The pool's {@link dev.taipan.protocol.ValueConverter}: what the encoder sends for an
     * object outside the value domain met anywhere in a value, asked only when it meets one
     * (so plain maps and lists pay nothing). A record or POJO becomes a map (Jackson, stopped
     * past the value domain's depth, so a cyclic or very deep graph ends in an error, not a
     * stack overflow). A JDK type is never
     * converted: a Thread or a Socket has getters too, but it is not data, so it comes back
     * unchanged and the encoder refuses it with its path.
     */
    static Object convertUnknown(Object v) {
        if (isJdkType(v.getClass())) {
            return v;
        }
        try {
            return toPlain(v, Object.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(conversionProblem(e), e);
        }
    }

    /**
     * Jackson's {@code convertValue}, bounded. {@code convertValue} serializes into an
     * in-memory {@link TokenBuffer}, where the stream nesting limits do not apply: a cyclic or
     * very deep graph recursed until Jackson caught the StackOverflowError. Writing through
     * {@link DepthLimit} stops it at {@link #MAX_CONVERTED_DEPTH} levels.
     */
    private static <T> T toPlain(Object v, Class<T> type) {
        TokenBuffer buffer = new TokenBuffer(MAPPER, false);
        try {
            MAPPER.writeValue(new DepthLimit(buffer), v);
            try (JsonParser p = buffer.asParser(MAPPER)) {
                return MAPPER.readValue(p, type);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Fails a write that would open a container past {@link #MAX_CONVERTED_DEPTH} levels. */
    private static final class DepthLimit extends JsonGeneratorDelegate {
        DepthLimit(TokenBuffer buffer) {
            super(buffer, false);
        }

        private void check() throws StreamConstraintsException {
            if (getOutputContext().getNestingDepth() > MAX_CONVERTED_DEPTH) {
                throw new StreamConstraintsException("nesting depth exceeds " + MAX_CONVERTED_DEPTH);
            }
        }

        @Override
        public void writeStartArray() throws IOException {
            super.writeStartArray();
            check();
        }

        @Override
        @SuppressWarnings("deprecation") // still called by some serializers
        public void writeStartArray(int size) throws IOException {
            super.writeStartArray(size);
            check();
        }

        @Override
        public void writeStartArray(Object forValue) throws IOException {
            super.writeStartArray(forValue);
            check();
        }

        @Override
        public void writeStartArray(Object forValue, int size) throws IOException {
            super.writeStartArray(forValue, size);
            check();
        }

        @Override
        public void writeStartObject() throws IOException {
            super.writeStartObject();
            check();
        }

        @Override
        public void writeStartObject(Object forValue) throws IOException {
            super.writeStartObject(forValue);
            check();
        }

        @Override
        public void writeStartObject(Object forValue, int size) throws IOException {
            super.writeStartObject(forValue, size);
            check();
        }
    }

    /** Jackson's reason without its reference chain, which for a deep graph is hundreds of entries long. */
    private static String conversionProblem(IllegalArgumentException e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof StreamConstraintsException) {
                return "nested deeper than " + Values.MAX_DEPTH + " levels, or a cycle";
            }
        }
        return e.getCause() instanceof JsonProcessingException
                ? ((JsonProcessingException) e.getCause()).getOriginalMessage() : e.getMessage();
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
