package dev.taipan.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** JSON in and out of the CLI. Bytes ({@code byte[]}) are written as base64 strings. */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    /**
     * Parses call arguments: an object becomes keyword arguments, an array positional
     * arguments, and any other value (including {@code null}) one positional argument.
     */
    static Object parseArgs(String json) throws JsonProcessingException {
        Object v = MAPPER.readValue(json, Object.class);
        if (v instanceof Map || v instanceof List) {
            return v;
        }
        return Arrays.asList(v);
    }

    static String write(Object value, boolean pretty) throws JsonProcessingException {
        return pretty ? MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value)
                : MAPPER.writeValueAsString(value);
    }
}
