package dev.taipan.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.SerializationException;
import dev.taipan.TaipanPool;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Properties of the value domain, generated from protocol/value-domain.json: edge cases
 * first, then values drawn from a seeded generator (the seed is in every failure message, and
 * {@code -Dtaipan.seed=N} replays it). Every value inside the domain goes Java -> a real
 * worker -> Java unchanged; every value outside it is refused by Java's encoder with its path
 * before anything is sent; and the same worker (same pid) keeps serving, the calls beside it
 * included. One pool per property.
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
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final long SEED = Long.getLong("taipan.seed", System.nanoTime());
    private static final int RANDOM_TRIES = 60;

    private final SplittableRandom random = new SplittableRandom(SEED);

    private static void assertSameWorker(TaipanPool pool, long pid) {
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

    /** The limits and the values next to them, which a random draw would rarely hit. */
    private static List<Object> edgeLeaves() {
        List<Object> edges = new ArrayList<>(List.of(INT_MIN.longValueExact(), Long.MAX_VALUE, 0L, -1L,
                LONG_MAX.add(BigInteger.ONE), INT_MAX, "", "\u0000", "\uFFFD", "\uD83D\uDC0D", "a?b",
                "\uDBFF\uDFFF", Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0,
                Double.MIN_VALUE, Double.MAX_VALUE, new byte[0], new byte[]{0, -1}, true, false));
        edges.add(null);
        return edges;
    }

    /** Text of Unicode scalar values only (no lone surrogate), surrogate pairs included. */
    private String text() {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(9);
        for (int i = 0; i < n; i++) {
            int cp;
            switch (random.nextInt(4)) {
                case 0 -> cp = random.nextInt(0x80);
                case 1 -> cp = random.nextInt(0xD800);
                case 2 -> cp = 0xE000 + random.nextInt(0x2000);
                default -> cp = 0x10000 + random.nextInt(0x100000);
            }
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    /** Wire integers, as Java decodes them: Long, or BigInteger above Long.MAX_VALUE. */
    private Object integer() {
        return switch (random.nextInt(3)) {
            case 0 -> random.nextLong();
            case 1 -> (long) random.nextInt(-200, 200);
            default -> LONG_MAX.add(BigInteger.valueOf(random.nextLong(1, Long.MAX_VALUE)))
                    .add(BigInteger.valueOf(random.nextInt(2))).min(INT_MAX);
        };
    }

    private Object leaf() {
        return switch (random.nextInt(7)) {
            case 0 -> integer();
            case 1 -> text();
            case 2 -> Double.longBitsToDouble(random.nextLong());
            case 3 -> random.nextDouble(-1e6, 1e6);
            case 4 -> {
                byte[] b = new byte[random.nextInt(9)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (byte) random.nextInt(256);
                }
                yield b;
            }
            case 5 -> random.nextBoolean();
            default -> null;
        };
    }

    private Object key() {
        return random.nextBoolean() ? text() : integer();
    }

    /** A value up to {@code levels} containers deep, each holding up to 4 entries. */
    private Object value(int levels) {
        int pick = levels == 0 ? 0 : random.nextInt(3);
        if (pick == 0) {
            return leaf();
        }
        int n = random.nextInt(5);
        if (pick == 1) {
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(value(levels - 1));
            }
            return list;
        }
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Object k = key();
            if (!containsKey(map, k)) {
                map.put(k, value(levels - 1));
            }
        }
        return map;
    }

    /** Keys as the wire sees them: a Long and a BigInteger of one value are the same key. */
    private static boolean containsKey(Map<Object, Object> map, Object k) {
        for (Object x : map.keySet()) {
            if (GoldenVectorsTest.deepEquals(x, k)) {
                return true;
            }
        }
        return false;
    }

    /** Edge cases first (each leaf alone and at the depth limit, empty containers), then random values. */
    private List<Object> inDomain() {
        List<Object> values = new ArrayList<>();
        for (Object leaf : edgeLeaves()) {
            values.add(leaf);
        }
        for (Object leaf : List.of(0L, "deep", INT_MAX)) {
            values.add(nested(MAX_DEPTH, leaf)); // exactly at the limit: each argument is its own root
        }
        values.add(new ArrayList<>());
        values.add(new LinkedHashMap<>());
        Map<Object, Object> mixed = new LinkedHashMap<>();
        mixed.put("k", 1L);
        mixed.put(-1L, "int key");
        mixed.put(INT_MAX, "uint64 key");
        mixed.put("", List.of());
        values.add(mixed);
        for (int i = 0; i < RANDOM_TRIES; i++) {
            values.add(value(3));
        }
        return values;
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

    /** Every kind of bad part once, then random lone surrogates and integers out of range. */
    private List<Bad> outOfDomain() {
        List<Bad> bad = new ArrayList<>();
        bad.add(new Bad(keyed(true), "key of type java.lang.Boolean"));
        bad.add(new Bad(keyed(1.5), "key of type java.lang.Double"));
        bad.add(new Bad(keyed(null), "null map key"));
        bad.add(new Bad(keyed(new byte[]{1}), "key of type [B"));
        bad.add(new Bad(keyed(List.of(1)), "map keys are str or int"));
        bad.add(new Bad(keyed(Map.of("a", 1)), "map keys are str or int"));
        bad.add(new Bad(keyed("\uDBFF"), "lone surrogate"));
        Map<Object, Object> dup = new HashMap<>();
        dup.put(7, "int");
        dup.put(7L, "long");
        bad.add(new Bad(dup, "duplicate map key"));
        bad.add(new Bad(nested(MAX_DEPTH, 0L), "nested deeper than " + MAX_DEPTH));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        bad.add(new Bad(cycle, "cycle"));
        bad.add(new Bad(new Object(), "cannot send a java.lang.Object"));
        bad.add(new Bad(INT_MAX.add(BigInteger.ONE), "outside"));
        bad.add(new Bad(INT_MIN.subtract(BigInteger.ONE), "outside"));
        bad.add(new Bad("\uDC00", "lone surrogate"));
        bad.add(new Bad("\uD800", "lone surrogate"));
        for (int i = 0; i < 20; i++) {
            String lone = String.valueOf((char) random.nextInt(0xD800, 0xE000));
            String s = random.nextBoolean() ? text() + lone : lone + text();
            bad.add(new Bad(s, "lone surrogate"));
            BigInteger beyond = BigInteger.valueOf(random.nextLong(1, Long.MAX_VALUE));
            bad.add(new Bad(random.nextBoolean() ? INT_MAX.add(beyond) : INT_MIN.subtract(beyond), "outside"));
        }
        return bad;
    }

    // ---------------------------------------------------------------- properties

    @Test
    @Tag("python")
    void inDomainValuesComeBackFromARealWorkerUnchanged() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).slots(4).build())) {
            long pid = pool.workers().get(0).pid();
            for (Object value : inDomain()) {
                Object back = pool.call("echo", Collections.singletonList(value));
                assertTrue(GoldenVectorsTest.deepEquals(value, back),
                        () -> "seed " + SEED + ": sent " + value + ", got " + back);
            }
            assertSameWorker(pool, pid);
        }
    }

    @Test
    @Tag("python")
    void outOfDomainValuesAreRefusedBeforeSendingWithTheirPath() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).slots(4).build())) {
            long pid = pool.workers().get(0).pid();
            for (Bad bad : outOfDomain()) {
                CompletableFuture<Object> beside = pool.callAsync("echo", List.of("beside"));
                long completed = pool.stats().callsCompleted();
                List<Object> value = new ArrayList<>();
                value.add(value(2));
                value.add(bad.part());
                SerializationException e = assertThrows(SerializationException.class,
                        () -> pool.call("echo", List.of(value)), () -> "seed " + SEED + ": " + bad);
                assertTrue(e.getMessage().startsWith("args[0][1]"), () -> "seed " + SEED + ": " + e.getMessage());
                assertTrue(e.getMessage().contains(bad.reason()), () -> "seed " + SEED + ": " + e.getMessage());
                assertEquals("beside", beside.get(30, TimeUnit.SECONDS), "a call beside it is unaffected");
                assertTrue(pool.stats().callsCompleted() <= completed + 1, "the refused call never ran");
            }
            assertSameWorker(pool, pid);
        }
    }

    @Test
    void theCodeHasTheSpecsLimits() {
        assertEquals(MAX_DEPTH, Values.MAX_DEPTH);
        assertEquals(INT_MIN, Values.INT_MIN);
        assertEquals(INT_MAX, Values.INT_MAX);
        assertEquals(SPEC.get("max_frame_bytes").asInt(), FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        assertEquals(List.of("str", "int"), List.of(SPEC.get("map_key_types").get(0).asText(),
                SPEC.get("map_key_types").get(1).asText()));
    }
}
