package dev.taipan;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Calls against the real worker runtime: results, concurrency, and every kind of bad call. */
@Tag("python")
class CallsTest {
    private TaipanPool pool;

    @BeforeEach
    void start() {
        pool = TaipanPool.start(TestPools.config().build());
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void twoThousandCallsFromSixtyFourThreadsAllReturnTheirOwnResult() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(64);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                final long n = i;
                results.add(callers.submit(() -> (Long) pool.call("taipan_testing.functions:add", List.of(n, n * 1000))));
            }
            for (int i = 0; i < 2000; i++) {
                assertEquals(i + i * 1000L, results.get(i).get(60, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
        PoolStats s = pool.stats();
        assertEquals(0, s.inFlight());
        assertTrue(s.callsCompleted() >= 2000, s.toString());
    }

    @Test
    void asyncCallsCompleteOutOfOrderAndAreSpreadOverWorkers() throws Exception {
        List<CompletableFuture<Object>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // Later calls sleep less, so replies overtake one another.
            fs.add(pool.callAsync("taipan_testing.functions:slow_add", Map.of("a", i, "b", 1, "seconds", (8 - i) * 0.02)));
        }
        Set<Object> pids = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            assertEquals(i + 1L, fs.get(i).get(30, TimeUnit.SECONDS));
        }
        for (WorkerInfo w : pool.workers()) {
            pids.add(w.pid());
        }
        assertEquals(2, pids.size());
        assertTrue(pool.workers().stream().allMatch(w -> w.callsCompleted() > 0), pool.workers().toString());
    }

    record Point(long x, long y) {
    }

    record Sum(long total) {
    }

    @Test
    void recordsGoInAsKeywordArgumentsAndResultsConvertToTypes() {
        assertEquals(7L, pool.call("taipan_testing.functions:add", Map.of("a", 3, "b", 4)));
        Map<?, ?> echoed = (Map<?, ?>) pool.call("echo", List.of(new java.util.LinkedHashMap<>(Map.of("x", 1))));
        assertEquals(1L, echoed.get("x"));
        Point p = pool.call("echo", List.of(Map.of("x", 1, "y", 2)), Point.class);
        assertEquals(new Point(1, 2), p);
        Sum s = pool.call("echo", List.of(Map.of("total", 5)), Sum.class);
        assertEquals(5, s.total());
        byte[] bytes = pool.call("echo", new Object[]{new byte[]{0, 1, (byte) 255}}, byte[].class);
        assertArrayEquals(new byte[]{0, 1, (byte) 255}, bytes);
        record AddArgs(long a, long b) {
        }
        assertEquals(3L, pool.call("taipan_testing.functions:add", new AddArgs(1, 2)));
        Map<?, ?> nested = (Map<?, ?>) pool.call("echo", List.of(Map.of("p", new Point(5, 6), "ps", List.of(new Point(7, 8)))));
        assertEquals(Map.of("x", 5L, "y", 6L), nested.get("p"));
        assertEquals(List.of(Map.of("x", 7L, "y", 8L)), nested.get("ps"));
        SerializationException bad = assertThrows(SerializationException.class,
                () -> pool.call("echo", List.of("not a point"), Point.class));
        assertTrue(bad.getMessage().contains("Point"), bad.getMessage());
    }

    @Test
    void aPythonExceptionCarriesTypeMessageAndTracebackAndTheWorkerStaysHealthy() {
        PythonException e = assertThrows(PythonException.class,
                () -> pool.call("taipan_testing.functions:fail", Map.of("message", "bad input", "exc_type", "KeyError")));
        assertEquals("KeyError", e.pythonType());
        assertTrue(e.pythonMessage().contains("bad input"));
        assertTrue(e.pythonTraceback().contains("fail"), e.pythonTraceback());
        assertTrue(e.pythonTraceback().contains("Traceback"), e.pythonTraceback());
        assertEquals("pong", pool.call("ping"));
        assertEquals(0L, pool.stats().workersReplaced());
    }

    @Test
    void anUnknownFunctionNamesTheAvailableOnes() {
        UnknownFunctionException e = assertThrows(UnknownFunctionException.class,
                () -> pool.call("taipan_testing.functions:nope"));
        assertTrue(e.getMessage().contains("taipan_testing.functions:add"), e.getMessage());
        assertTrue(e.getMessage().contains("ping"), e.getMessage());
    }

    @Test
    void badArgumentsAreTypedAndSessionFunctionsNeedASession() {
        assertThrows(BadArgumentsException.class, () -> pool.call("taipan_testing.functions:add", Map.of("zzz", 1)));
        assertThrows(BadArgumentsException.class, () -> pool.call("taipan_testing.functions:counter"));
    }

    @Test
    void unserializableValuesFailTypedInBothDirections() {
        SerializationException out = assertThrows(SerializationException.class,
                () -> pool.call("echo", List.of(new Thread())));
        assertTrue(out.getMessage().contains("java.lang.Thread"), out.getMessage());
        assertEquals(0, pool.stats().inFlight());
        SerializationException in = assertThrows(SerializationException.class,
                () -> pool.call("taipan_testing.functions:unserializable"));
        assertTrue(in.getMessage().contains("unserializable"), in.getMessage());
        assertEquals("pong", pool.call("ping"));
    }

    @Test
    void printingToStdoutOrFd1CannotCorruptTheProtocol() {
        assertEquals(true, pool.call("taipan_testing.functions:print_stdout", List.of("hello from print\n{not a frame")));
        assertEquals(true, pool.call("taipan_testing.functions:write_fd1", List.of("\u0000\u0000\u0000\u0010raw bytes on fd 1\n")));
        assertEquals(true, pool.call("taipan_testing.functions:write_stderr", List.of("a warning on stderr")));
        for (int i = 0; i < 20; i++) {
            assertEquals((long) i * 2, pool.call("taipan_testing.functions:add", List.of(i, i)));
        }
        assertEquals(0L, pool.stats().workersReplaced());
    }

    @Test
    void infoReportsTheWorker() {
        Map<?, ?> info = (Map<?, ?>) pool.call("info");
        assertTrue(info.get("python").toString().startsWith("3."), info.toString());
        assertEquals(4L, info.get("slots"));
        Set<Long> pids = new HashSet<>();
        pool.workers().forEach(w -> pids.add(w.pid()));
        assertTrue(pids.contains((Long) info.get("pid")), info + " vs " + pids);
    }
}
