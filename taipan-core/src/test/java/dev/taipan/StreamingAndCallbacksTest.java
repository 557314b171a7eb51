package dev.taipan;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generators stream {@code chunk}s; Python calls Java back with {@code callback}. */
@Tag("python")
class StreamingAndCallbacksTest {
    private TaipanPool pool;

    @BeforeEach
    void start() {
        pool = TaipanPool.start(TestPools.config().workers(1).build());
    }

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void aGeneratorStreamsItsChunksInOrderBeforeTheResult() {
        List<Object> chunks = Collections.synchronizedList(new ArrayList<>());
        Object result = pool.call("taipan_testing.functions:count_up", List.of(50),
                CallOptions.DEFAULT.withChunkConsumer(chunks::add));
        assertNull(result);
        List<Object> expected = new ArrayList<>();
        for (long i = 0; i < 50; i++) {
            expected.add(i);
        }
        assertEquals(expected, chunks, "every chunk, in order, delivered before call() returned");
    }

    @Test
    void anAsyncGeneratorStreamsToo() throws Exception {
        List<Object> chunks = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Object> f = pool.callAsync("taipan_testing.functions:count_up_async", Map.of("n", 5, "delay", 0.01),
                CallOptions.DEFAULT.withChunkConsumer(chunks::add));
        assertNull(f.get(30, TimeUnit.SECONDS));
        assertEquals(5, chunks.size());
        assertEquals(Map.of("i", 4L, "text", "piece 4"), chunks.get(4));
    }

    @Test
    void aStreamThatFailsDeliversItsChunksThenTheError() {
        List<Object> chunks = Collections.synchronizedList(new ArrayList<>());
        PythonException e = assertThrows(PythonException.class, () -> pool.call("taipan_testing.functions:stream_then_fail",
                List.of(3), CallOptions.DEFAULT.withChunkConsumer(chunks::add)));
        assertEquals("ValueError", e.pythonType());
        assertEquals(List.of(0L, 1L, 2L), chunks);
    }

    @Test
    void pythonCallsJavaBackDuringACall() {
        CallOptions opts = CallOptions.DEFAULT.withCallback("lookup", args -> Map.of("found", args));
        assertEquals(Map.of("found", "order-7"), pool.call("taipan_testing.functions:ask_java", List.of("lookup", "order-7"),
                opts));
        assertEquals(Map.of("found", 3L), pool.call("taipan_testing.functions:ask_java_async", List.of("lookup", 3), opts));
    }

    /** What a Java callback may answer with, as a call's arguments may hold it. */
    record Order(String id, List<Integer> lines) {
    }

    @Test
    void aCallbackMayAnswerWithARecordNestedInAMap() {
        CallOptions opts = CallOptions.DEFAULT.withCallback("order", args -> Map.of("order", new Order("o-7", List.of(1, 2))));
        assertEquals(Map.of("order", Map.of("id", "o-7", "lines", List.of(1L, 2L))),
                pool.call("taipan_testing.functions:ask_java", List.of("order", 0), opts));
    }

    @Test
    void manyCallbacksOfOneCallInterleave() {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch allIn = new CountDownLatch(4);
        CallOptions opts = CallOptions.DEFAULT.withCallback("square", args -> {
            peak.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            allIn.countDown();
            // Wait until all four callbacks are in flight at once: proves they interleave.
            allIn.await(10, TimeUnit.SECONDS);
            concurrent.decrementAndGet();
            long n = (Long) args;
            return n * n;
        });
        assertEquals(List.of(0L, 1L, 4L, 9L), pool.call("taipan_testing.functions:ask_java_many", List.of("square", 4), opts));
        assertEquals(4, peak.get());
    }

    @Test
    void callbackErrorsAndUnknownCallbacksReachPythonAsCallbackError() {
        CallOptions opts = CallOptions.DEFAULT.withCallback("boom", args -> {
            throw new IllegalStateException("no such order");
        });
        PythonException e = assertThrows(PythonException.class,
                () -> pool.call("taipan_testing.functions:ask_java", List.of("boom", 1), opts));
        assertTrue(e.pythonType().endsWith("CallbackError"), e.pythonType());
        assertTrue(e.pythonMessage().contains("IllegalStateException: no such order"), e.pythonMessage());
        PythonException unknown = assertThrows(PythonException.class,
                () -> pool.call("taipan_testing.functions:ask_java", List.of("nope", 1), opts));
        assertTrue(unknown.pythonMessage().contains("boom"), unknown.pythonMessage());
        assertEquals("pong", pool.call("ping"));
    }

    @Test
    void aCallbackThatOutlivesTheCallsTimeoutEndsTheCall() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CallOptions opts = CallOptions.timeout(Duration.ofMillis(500)).withCallback("slow", args -> {
            release.await(30, TimeUnit.SECONDS);
            return 1;
        });
        assertThrows(CallTimeoutException.class, () -> pool.call("taipan_testing.functions:ask_java", List.of("slow", 1), opts));
        release.countDown();
        assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> pool.stats().inFlight() == 0),
                () -> pool.stats().toString());
        assertEquals("pong", pool.call("ping"));
    }

    // A consumer that throws fails its call: see BoundedStreamsTest.
}
