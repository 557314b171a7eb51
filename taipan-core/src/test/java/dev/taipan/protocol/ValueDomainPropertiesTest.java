package dev.taipan.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.SerializationException;
import dev.taipan.TaipanPool;
import dev.taipan.TestPools;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the value domain, generated from protocol/value-domain.json (edge cases
 * first): every value inside it goes Java -> a real worker -> Java unchanged; every value
 * outside it is refused by Java's encoder with its path before anything is sent; and the same
 * worker (same pid) keeps serving, the calls beside included. One pool per property.
 */
class ValueDomainPropertiesTest {
    private static final JsonNode SPEC;

    static {
        try {
            SPEC = new ObjectMapper().readTree(TestPools.repo().resolve("protocol/value-domain.json").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final int MAX_DEPTH = SPEC.get("max_depth").asInt();
    private static final BigInteger INT_MIN = SPEC.get("int_min").bigIntegerValue();
    private static final BigInteger INT_MAX = SPEC.get("int_max").bigIntegerValue();

    private TaipanPool pool;
    private long pid;

    @BeforeProperty
    void startPool() {
        pool = TaipanPool.start(TestPools.config().workers(1).slots(4).build());
        pid = pool.workers().get(0).pid();
    }

    @AfterProperty
    void closePool() {
        pool.close();
    }

    private void assertSameWorker() {
        assertEquals(pid, pool.workers().get(0).pid(), "the worker was replaced");
        assertEquals(0, pool.stats().workersReplaced(), () -> pool.stats().toString());
    }

    // ---------------------------------------------------------------- generators

    private static Object nested(int depth, Object leaf) {
        Object v = leaf;
        for (int i = 0; i < depth; i++) {
            List<Object> outer = new ArrayList<>(1);
            outer.add(v);
            v = outer;
        }
        return v;
    }

    /** Text of Unicode scalar values only (no lone surrogate), surrogate pairs included. */
    private static Arbitrary<String> text() {
        Arbitrary<String> bmp = Arbitraries.strings().withCharRange('\u0000', '\uD7FF')
                .withCharRange('\uE000', '\uFFFF').ofMaxLength(8);
        Arbitrary<String> astral = Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString);
        return Arbitraries.oneOf(bmp, astral, Arbitraries.of("", "\u0000", "\uFFFD", "\uD83D\uDC0D", "a?b"));
    }

    /** Wire integers, as Java decodes them: Long, or BigInteger above Long.MAX_VALUE. */
    private static Arbitrary<Object> integers() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(n -> (Object) n),
                Arbitraries.bigIntegers().between(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE), INT_MAX)
                        .map(n -> (Object) n),
                Arbitraries.of(INT_MIN.longValueExact(), Long.MAX_VALUE, 0L, -1L, INT_MAX));
    }

    private static Arbitrary<Object> leaves() {
        return Arbitraries.oneOf(
                integers(),
                text().map(s -> (Object) s),
                Arbitraries.doubles().map(d -> (Object) d),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(8).map(b -> (Object) b),
                Arbitraries.of(true, false),
                Arbitraries.just(null));
    }

    private static Arbitrary<Object> keys() {
        return Arbitraries.oneOf(text().map(s -> (Object) s), integers());
    }

    @Provide
    Arbitrary<Object> small() {
        return Arbitraries.recursive(ValueDomainPropertiesTest::leaves, inner -> Arbitraries.oneOf(
                inner.list().ofMaxSize(4).map(l -> (Object) l),
                Arbitraries.maps(keys(), inner).ofMaxSize(4).map(m -> (Object) m)), 0, 3);
    }

    /** Small values, and values exactly at the depth limit. */
    @Provide
    Arbitrary<Object> inDomain() {
        return Arbitraries.oneOf(small(), leaves().map(leaf -> nested(MAX_DEPTH, leaf)));
    }

    /** A part outside the domain and a word its error must say. */
    record Bad(Object part, String reason) {
        @Override
        public String toString() {
            return reason;
        }
    }

    private static Map<Object, Object> keyed(Object key) {
        Map<Object, Object> m = new HashMap<>();
        m.put(key, 1);
        return m;
    }

    @Provide
    Arbitrary<Bad> outOfDomain() {
        Arbitrary<Bad> loneSurrogate = Combinators.combine(text(), Arbitraries.chars().range('\uD800', '\uDFFF'))
                .as((s, c) -> new Bad(s + c, "lone surrogate"));
        Arbitrary<Bad> bigInt = Arbitraries.bigIntegers().between(INT_MAX.add(BigInteger.ONE), INT_MAX.shiftLeft(8))
                .map(b -> new Bad(b, "outside"));
        Arbitrary<Bad> smallInt = Arbitraries.bigIntegers().between(INT_MIN.shiftLeft(8), INT_MIN.subtract(BigInteger.ONE))
                .map(b -> new Bad(b, "outside"));
        // Built afresh by name: a cyclic list cannot even be hashed.
        return Arbitraries.oneOf(loneSurrogate, bigInt, smallInt, Arbitraries.of("bool key", "double key",
                "null key", "bytes key", "list key", "map key", "surrogate key", "duplicate key", "too deep", "cycle",
                "object").map(ValueDomainPropertiesTest::bad));
    }

    private static Bad bad(String kind) {
        switch (kind) {
            case "bool key":
                return new Bad(keyed(true), "key of type java.lang.Boolean");
            case "double key":
                return new Bad(keyed(1.5), "key of type java.lang.Double");
            case "null key":
                return new Bad(keyed(null), "null map key");
            case "bytes key":
                return new Bad(keyed(new byte[]{1}), "key of type [B");
            case "list key":
                return new Bad(keyed(List.of(1)), "map keys are str or int");
            case "map key":
                return new Bad(keyed(Map.of("a", 1)), "map keys are str or int");
            case "surrogate key":
                return new Bad(keyed("\uDBFF"), "lone surrogate");
            case "duplicate key": {
                Map<Object, Object> dup = new HashMap<>();
                dup.put(7, "int");
                dup.put(7L, "long");
                return new Bad(dup, "duplicate map key");
            }
            case "too deep":
                return new Bad(nested(MAX_DEPTH, 0L), "nested deeper than " + MAX_DEPTH);
            case "cycle": {
                List<Object> cycle = new ArrayList<>();
                cycle.add(cycle);
                return new Bad(cycle, "cycle");
            }
            default:
                return new Bad(new Object(), "cannot send a java.lang.Object");
        }
    }

    // ---------------------------------------------------------------- properties

    @Property(tries = 60, edgeCases = EdgeCasesMode.FIRST)
    void inDomainValuesComeBackFromARealWorkerUnchanged(@ForAll("inDomain") Object value) {
        Object back = pool.call("echo", java.util.Collections.singletonList(value));
        assertTrue(GoldenVectorsTest.deepEquals(value, back), () -> "sent " + value + ", got " + back);
        assertSameWorker();
    }

    @Property(tries = 40, edgeCases = EdgeCasesMode.FIRST)
    void outOfDomainValuesAreRefusedBeforeSendingWithTheirPath(@ForAll("outOfDomain") Bad bad,
                                                               @ForAll("small") Object before) throws Exception {
        CompletableFuture<Object> beside = pool.callAsync("echo", List.of("beside"));
        long completed = pool.stats().callsCompleted();
        List<Object> value = new ArrayList<>();
        value.add(before);
        value.add(bad.part());
        SerializationException e = assertThrows(SerializationException.class,
                () -> pool.call("echo", List.of(value)));
        assertTrue(e.getMessage().startsWith("args[0][1]"), e.getMessage());
        assertTrue(e.getMessage().contains(bad.reason()), e.getMessage());
        assertEquals("beside", beside.get(30, TimeUnit.SECONDS), "a call beside it is unaffected");
        assertTrue(pool.stats().callsCompleted() <= completed + 1, "the refused call never ran");
        assertSameWorker();
    }

    @net.jqwik.api.Example
    void theCodeHasTheSpecsLimits() {
        assertEquals(MAX_DEPTH, Values.MAX_DEPTH);
        assertEquals(INT_MIN, Values.INT_MIN);
        assertEquals(INT_MAX, Values.INT_MAX);
        assertEquals(SPEC.get("max_frame_bytes").asInt(), FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        assertEquals(List.of("str", "int"), List.of(SPEC.get("map_key_types").get(0).asText(),
                SPEC.get("map_key_types").get(1).asText()));
    }
}
