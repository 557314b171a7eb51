package dev.taipan.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.TestPools;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The frames in protocol/vectors are shared with the Python tests: both sides must decode
 * each one to its message and encode each message to exactly its bytes.
 */
class GoldenVectorsTest {
    private static final Path DIR = TestPools.repo().resolve("protocol/vectors");
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    @TestFactory
    List<DynamicTest> everyVectorDecodesAndEncodesExactly() throws IOException {
        JsonNode index = new ObjectMapper().readTree(DIR.resolve("vectors.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : index) {
            String name = entry.get("name").asText();
            Object expected = fromJson(entry.get("message"));
            tests.add(dynamicTest(name, () -> {
                byte[] bytes = Files.readAllBytes(DIR.resolve(name + ".bin"));
                Map<String, Object> decoded = FrameCodec.read(new ByteArrayInputStream(bytes), MAX);
                assertTrue(deepEquals(expected, decoded), () -> name + ": decoded " + decoded + " != " + expected);
                @SuppressWarnings("unchecked")
                byte[] encoded = FrameCodec.encode((Map<String, Object>) expected, MAX);
                assertArrayEquals(bytes, encoded, name + ": encoding differs from the golden bytes");
            }));
        }
        assertFalse(tests.isEmpty(), "no vectors found in " + DIR);
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyBadVectorIsAProtocolError() throws IOException {
        JsonNode index = new ObjectMapper().readTree(DIR.resolve("bad/bad.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : index) {
            String name = entry.get("name").asText();
            String outcome = entry.get("outcome").asText();
            tests.add(dynamicTest(name + " (" + entry.get("error").asText() + ", " + outcome + ")", () -> {
                byte[] bytes = Files.readAllBytes(DIR.resolve("bad/" + name + ".bin"));
                if (outcome.equals("connection")) {
                    assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(bytes), MAX));
                    return;
                }
                // A value error: the frame decodes to its call's envelope, and only that call fails.
                assertEquals("value", outcome);
                Map<String, Object> m = FrameCodec.read(new ByteArrayInputStream(bytes), MAX);
                PartialMessage bad = assertInstanceOf(PartialMessage.class, m, name);
                assertEquals(entry.get("type").asText(), Messages.type(bad));
                assertEquals(entry.get("id").asLong(), Messages.integer(bad, "id"));
                assertEquals(entry.get("field").asText(), bad.field());
                String path = entry.get("path").asText();
                assertTrue(bad.problem().startsWith(path + ": "), () -> bad.problem() + " does not start with " + path);
            }));
        }
        assertFalse(tests.isEmpty(), "no bad vectors found");
        return tests;
    }

    /** JSON to wire values: integers as Long, numbers with a fraction as Double, $bin as bytes. */
    static Object fromJson(JsonNode n) {
        if (n.isNull()) {
            return null;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            // uint64 above Long.MAX_VALUE decodes as BigInteger, like the wire does
            return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isArray()) {
            List<Object> list = new ArrayList<>();
            n.forEach(e -> list.add(fromJson(e)));
            return list;
        }
        if (n.size() == 1 && n.has("$bin")) {
            return Base64.getDecoder().decode(n.get("$bin").asText());
        }
        if (n.size() == 1 && n.has("$float")) {
            return Double.parseDouble(n.get("$float").asText()); // NaN, Infinity, -Infinity
        }
        if (n.size() == 1 && n.has("$map")) {
            Map<Object, Object> map = new LinkedHashMap<>();
            n.get("$map").forEach(pair -> map.put(fromJson(pair.get(0)), fromJson(pair.get(1))));
            return map;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            map.put(e.getKey(), fromJson(e.getValue()));
        }
        return map;
    }

    /** Equality that compares byte arrays by content and maps in order. */
    static boolean deepEquals(Object a, Object b) {
        if (a instanceof byte[] && b instanceof byte[]) {
            return Arrays.equals((byte[]) a, (byte[]) b);
        }
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!deepEquals(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map && b instanceof Map) {
            List<? extends Map.Entry<?, ?>> x = new ArrayList<>(((Map<?, ?>) a).entrySet());
            List<? extends Map.Entry<?, ?>> y = new ArrayList<>(((Map<?, ?>) b).entrySet());
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!x.get(i).getKey().equals(y.get(i).getKey()) || !deepEquals(x.get(i).getValue(), y.get(i).getValue())) {
                    return false;
                }
            }
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }

    @org.junit.jupiter.api.Test
    void deepEqualsIsStrictAboutOrderAndTypes() {
        assertFalse(deepEquals(Map.of("a", 1L), Map.of("a", 1.0)));
        assertTrue(deepEquals(List.of(new byte[]{1}), List.of(new byte[]{1})));
        assertEquals(2L, fromJson(new ObjectMapper().valueToTree(2)));
    }
}
