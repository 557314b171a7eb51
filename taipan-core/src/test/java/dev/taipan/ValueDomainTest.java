package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One value domain on both sides (docs/PROTOCOL.md, "Values"): a value outside it fails only
 * its own call, with a typed error naming where it is, and the worker that saw it (same pid)
 * goes on serving every other call, including the ones in flight beside it.
 */
@Tag("python")
class ValueDomainTest {
    private static final String T = "taipan_testing.functions:";

    private static TaipanPool onePool() {
        return TaipanPool.start(TestPools.config().workers(1).slots(4).build());
    }

    private static long pid(TaipanPool pool) {
        return pool.workers().get(0).pid();
    }

    /** The worker is the same process and still answers; nothing was replaced. */
    private static void assertSameWorkerServes(TaipanPool pool, long pid) {
        assertEquals(List.of("still here"), pool.call("echo", List.of(List.of("still here"))));
        assertEquals(pid, pid(pool), "the worker was replaced");
        assertEquals(0, pool.stats().workersReplaced(), () -> pool.stats().toString());
    }

    private static SerializationException refused(TaipanPool pool, String function, Object args) {
        return assertThrows(SerializationException.class, () -> pool.call(function, args));
    }

    @Test
    void aListOrMapKeyIsRefusedBeforeSendingWithItsPath() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            Map<Object, Object> listKey = new HashMap<>();
            listKey.put(List.of(1), "x");
            SerializationException e = refused(pool, "echo", List.of(Map.of("items", List.of(0, 1, 2, listKey))));
            assertTrue(e.getMessage().contains("args[0][\"items\"][3]"), e.getMessage());
            Map<Object, Object> mapKey = new HashMap<>();
            mapKey.put(Map.of("a", 1), "x");
            refused(pool, "echo", List.of(mapKey));
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void boolFloatNullAndBytesKeysAreRefused() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            for (Object key : new Object[]{true, 1.5, new byte[]{1}}) {
                Map<Object, Object> m = new HashMap<>();
                m.put(key, 1);
                SerializationException e = refused(pool, "echo", List.of(m));
                assertTrue(e.getMessage().contains("args[0]"), e.getMessage());
            }
            Map<Object, Object> nullKey = new HashMap<>();
            nullKey.put(null, 1);
            refused(pool, "echo", List.of(nullKey));
            // Integer 1 and Long 1 are two keys in Java but one on the wire.
            Map<Object, Object> dup = new HashMap<>();
            dup.put(1, "a");
            dup.put(1L, "b");
            assertTrue(refused(pool, "echo", List.of(dup)).getMessage().contains("duplicate"));
            Map<Object, Object> intKeys = new LinkedHashMap<>();
            intKeys.put(1, "a");
            intKeys.put("b", 2);
            Map<Object, Object> back = new LinkedHashMap<>();
            back.put(1L, "a");
            back.put("b", 2L);
            assertEquals(back, pool.call("echo", List.of(intKeys)), "str and int keys cross");
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void aLoneSurrogateIsRefusedNotReplaced() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            SerializationException e = refused(pool, "echo", List.of(List.of("ok", "a\uD800b")));
            assertTrue(e.getMessage().contains("args[0][1]"), e.getMessage());
            refused(pool, "echo", List.of("\uDC00"));
            refused(pool, "ec\uD800ho", List.of(1));
            refused(pool, "echo", Map.of("val\uDFFFue", 1));
            // A surrogate pair is one valid character, and crosses unchanged.
            assertEquals("snake \uD83D\uDC0D", pool.call("echo", List.of("snake \uD83D\uDC0D")));
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void aCyclicOrVeryDeepJavaValueIsASerializationExceptionNotAStackOverflow() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            List<Object> cyclic = new ArrayList<>();
            cyclic.add("x");
            cyclic.add(cyclic);
            SerializationException e = refused(pool, "echo", List.of(cyclic));
            assertTrue(e.getMessage().contains("cycle") && e.getMessage().contains("args[0][1]"), e.getMessage());
            Map<String, Object> selfMap = new HashMap<>();
            selfMap.put("me", selfMap);
            assertTrue(refused(pool, "echo", selfMap).getMessage().contains("cycle"));
            Object[] selfArray = new Object[1];
            selfArray[0] = selfArray;
            refused(pool, "echo", List.of(selfArray));
            Object deep = "leaf";
            for (int i = 0; i < 100_000; i++) {
                deep = List.of(deep);
            }
            refused(pool, "echo", List.of(deep));
            Node chain = null;
            for (int i = 0; i < 100_000; i++) {
                chain = new Node(i, chain);
            }
            refused(pool, "echo", List.of(Map.of("chain", chain)));
            refused(pool, "echo", chain);
            assertSameWorkerServes(pool, pid);
        }
    }

    record Node(int n, Node next) {
    }

    @Test
    void depthIsCountedFromTheValueAndALimitDeepValueRoundTrips() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            // Exactly the limit crosses both ways, whatever the envelope around it.
            Object atLimit = pool.call(T + "nested", List.of(256));
            Object sent = pool.call("echo", List.of(atLimit));
            assertEquals(atLimit, sent);
            Object leaf = 0L;
            Object expected = leaf;
            for (int i = 0; i < 256; i++) {
                expected = List.of(expected);
            }
            assertEquals(expected, atLimit);
            // One more level is refused by the sender, on either side.
            SerializationException py = refused(pool, T + "nested", List.of(257));
            assertTrue(py.getMessage().contains("value"), py.getMessage());
            refused(pool, "echo", List.of(List.of(atLimit)));
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void aResultKeyJavaCannotTakeIsRefusedByPythonWithItsPath() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            for (String kind : List.of("bool", "float", "none", "bytes", "tuple")) {
                SerializationException e = refused(pool, T + "map_with_key", List.of(kind));
                assertTrue(e.getMessage().contains("key"), kind + ": " + e.getMessage());
            }
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void anUndecodableResultOrChunkFailsOnlyItsCall() throws Exception {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            CompletableFuture<Object> beside = pool.callAsync(T + "async_sleep", List.of(1.0));
            for (String kind : List.of("bad_utf8", "lone_surrogate", "list_key", "map_key", "bool_key", "nil_key",
                    "float_key", "bin_key", "duplicate_key", "too_deep", "ext")) {
                SerializationException e = assertThrows(SerializationException.class,
                        () -> pool.call(T + "raw_result", List.of(kind)), kind);
                assertTrue(e.getMessage().contains("value"), kind + ": " + e.getMessage());
                List<Object> chunks = new ArrayList<>();
                assertThrows(SerializationException.class, () -> pool.call(T + "raw_result", List.of(kind, "data"),
                        CallOptions.DEFAULT.withChunkConsumer(chunks::add)), kind);
                assertEquals(List.of(), chunks);
            }
            assertEquals(1.0, beside.get(10, TimeUnit.SECONDS), "a call beside them is unaffected");
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 0),
                    () -> pool.stats().toString());
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void anUndecodableCallbackNeverReachesJavaAndTheCallGoesOn() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            CallOptions tool = CallOptions.DEFAULT.withCallback("tool", args -> calls.incrementAndGet());
            for (String kind : List.of("bad_utf8", "list_key", "too_deep", "duplicate_key")) {
                assertEquals(kind, pool.call(T + "raw_result", List.of(kind, "args"), tool), kind);
            }
            assertEquals(0, calls.get(), "the tool ran with an undecodable argument");
            assertSameWorkerServes(pool, pid);
        }
    }

    @Test
    void aCallbackResultPythonCannotTakeFailsInPythonNotTheWorker() {
        try (TaipanPool pool = onePool()) {
            long pid = pid(pool);
            Map<Object, Object> listKey = new HashMap<>();
            listKey.put(List.of(1), "x");
            CallOptions tool = CallOptions.DEFAULT.withCallback("tool", args -> listKey);
            PythonException e = assertThrows(PythonException.class,
                    () -> pool.call(T + "ask_java", List.of("tool", 1), tool));
            assertTrue(e.getMessage().contains("value: a map key of type java.util."), e.getMessage());
            assertSameWorkerServes(pool, pid);
        }
    }
}
