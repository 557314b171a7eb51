package dev.taipan.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.FrameTooLargeException;
import dev.taipan.TestPools;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * A call encoded once and sent with the time left each time: {@code timeout_ms} is the
 * frame's last 8 bytes, a fixed-width uint64 both decoders take (the Python suite decodes the
 * same call_frames vectors this test proves {@link CallFrame} writes).
 */
class CallFrameTest {
    private static final Path DIR = TestPools.repo().resolve("protocol/vectors/call_frames");
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    private static Map<String, Object> decode(byte[] frame) throws IOException {
        return FrameCodec.read(new ByteArrayInputStream(frame), MAX);
    }

    private static long lastEightBytes(byte[] frame) {
        return ByteBuffer.wrap(frame, frame.length - 8, 8).getLong();
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> aPatchedFrameIsExactlyItsVector() throws IOException {
        JsonNode index = new ObjectMapper().readTree(DIR.resolve("call_frames.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : index) {
            String name = entry.get("name").asText();
            Map<String, Object> message = (Map<String, Object>) GoldenVectorsTest.fromJson(entry.get("message"));
            tests.add(dynamicTest(name, () -> {
                byte[] vector = Files.readAllBytes(DIR.resolve(name + ".bin"));
                assertTrue(GoldenVectorsTest.deepEquals(message, decode(vector)), name + " decodes to its message");
                // Encoded with another timeout, then given the vector's at send time.
                Map<String, Object> other = new LinkedHashMap<>(message);
                other.put("timeout_ms", 123_456_789L);
                CallFrame frame = CallFrame.encode(other, MAX, null);
                long timeout = (Long) message.get("timeout_ms");
                assertArrayEquals(vector, frame.bytesWithTimeout(timeout), name);
                assertArrayEquals(vector, frame.bytesWithTimeout(timeout), name + ", sent again");
            }));
        }
        assertEquals(5, tests.size());
        return tests;
    }

    @Test
    void traceContextGoesJustBeforeTheTimeoutAndTheBuildersWriteTheVectors() throws IOException {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        Map<String, Object> plain = Messages.withTraceContext(Messages.call(45, "echo", List.of("x"), null, 250L),
                traceparent, null);
        assertArrayEquals(Files.readAllBytes(DIR.resolve("call_timeout_trace_context.bin")),
                CallFrame.encode(plain, MAX, null).bytesWithTimeout(250));
        Map<String, Object> stream = Messages.withTraceContext(Messages.call(46, "app:tokens", List.of("a b"), null,
                1000L, 8, 65536), traceparent, "vendor=abc");
        assertEquals(List.of("v", "type", "id", "function", "args", "session", "chunk_window", "chunk_window_bytes",
                "traceparent", "tracestate", "timeout_ms"), new ArrayList<>(stream.keySet()));
        assertArrayEquals(Files.readAllBytes(DIR.resolve("call_timeout_stream_trace_context.bin")),
                CallFrame.encode(stream, MAX, null).bytesWithTimeout(1000));
        // An empty tracestate is no tracestate.
        assertEquals(plain.keySet(), Messages.withTraceContext(Messages.call(45, "echo", List.of("x"), null, 250L),
                traceparent, "").keySet());
    }

    @Test
    void bothBuildersPutTheTimeoutLastAndItIsTheLastEightBytes() throws IOException {
        List<Map<String, Object>> calls = List.of(
                Messages.call(1, "echo", List.of("a"), null, 60_000L),
                Messages.call(2, "gen", Map.of("k", 1), "s-1", 60_000L, 32, 1 << 20));
        for (Map<String, Object> call : calls) {
            assertEquals("timeout_ms", new ArrayList<>(call.keySet()).get(call.size() - 1));
            CallFrame frame = CallFrame.encode(call, MAX, null);
            for (long left : new long[]{0, 1, 127, 128, 255, 65_535, 65_536, 1L << 32, 59_999, Long.MAX_VALUE}) {
                byte[] bytes = frame.bytesWithTimeout(left);
                assertEquals(frame.length(), bytes.length, "one width for every timeout");
                assertEquals((byte) 0xcf, bytes[bytes.length - 9], "a uint64");
                assertEquals(left, lastEightBytes(bytes));
                Map<String, Object> decoded = decode(bytes);
                assertEquals(left, decoded.get("timeout_ms"));
                // The same message as the smallest encoding of it: only the width differs.
                Map<String, Object> expected = new LinkedHashMap<>(call);
                expected.put("timeout_ms", left);
                Map<String, Object> smallest = decode(FrameCodec.encode(expected, MAX));
                assertTrue(GoldenVectorsTest.deepEquals(smallest, decoded), decoded + " != " + smallest);
            }
        }
    }

    @Test
    void theFirstUseIsTheFrameItselfAndLaterUsesAreCopies() {
        // A large frame, so a copy is seen in the thread's allocation counter.
        CallFrame frame = CallFrame.encode(Messages.call(1, "echo", List.of(new byte[4 << 20]), null, 1L), MAX, null);
        long before = allocatedBytes();
        byte[] first = frame.bytesWithTimeout(500);
        long firstAllocated = allocatedBytes() - before;
        before = allocatedBytes();
        byte[] second = frame.bytesWithTimeout(400);
        long secondAllocated = allocatedBytes() - before;
        assertTrue(firstAllocated < 64 * 1024, "the first use copied: " + firstAllocated + " bytes");
        assertTrue(secondAllocated >= frame.length(), "a later use must copy: " + secondAllocated + " bytes");
        byte[] third = frame.bytesWithTimeout(300);
        assertNotSame(first, second);
        assertNotSame(second, third);
        assertNotSame(first, third);
        // An array handed out earlier (still in an outbox, say) never changes.
        assertEquals(500, lastEightBytes(first));
        assertEquals(400, lastEightBytes(second));
        assertEquals(300, lastEightBytes(third));
        assertTrue(Arrays.equals(first, 0, first.length - 8, third, 0, third.length - 8), "only the timeout differs");
    }

    /** The JDK's per-thread allocation counter (com.sun.management, read reflectively: the module does not need it). */
    private static long allocatedBytes() {
        try {
            Object threads = ManagementFactory.getThreadMXBean();
            return (Long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class)
                    .invoke(threads, Thread.currentThread().getId());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no per-thread allocation counter in this JDK", e);
        }
    }

    @Test
    void theFixedWidthTimeoutCountsInTheFrameLimit() {
        Map<String, Object> call = Messages.call(1, "echo", List.of(new byte[1000]), null, 1L);
        int smallest = FrameCodec.encode(call, MAX).length - FrameCodec.HEADER_BYTES; // timeout_ms in 1 byte
        int wide = smallest + 8;
        assertEquals(wide, CallFrame.encode(call, wide, null).length() - FrameCodec.HEADER_BYTES);
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
                () -> CallFrame.encode(call, wide - 1, null));
        assertEquals(wide, e.frameBytes());
    }

    @Test
    void onlyACallWithANonNegativeTimeoutLastIsAccepted() {
        Map<String, Object> reordered = new LinkedHashMap<>(Messages.call(1, "echo", List.of(), null, 5L));
        reordered.put("session", reordered.remove("session")); // timeout_ms no longer last
        assertThrows(IllegalArgumentException.class, () -> CallFrame.encode(reordered, MAX, null));
        assertThrows(IllegalArgumentException.class, () -> CallFrame.encode(Messages.result(1, 5L), MAX, null));
        assertThrows(IllegalArgumentException.class,
                () -> CallFrame.encode(Messages.call(1, "echo", List.of(), null, null), MAX, null));
        assertThrows(IllegalArgumentException.class,
                () -> CallFrame.encode(Messages.call(1, "echo", List.of(), null, -1L), MAX, null));
        CallFrame frame = CallFrame.encode(Messages.call(1, "echo", List.of(), null, 5L), MAX, null);
        assertThrows(IllegalArgumentException.class, () -> frame.bytesWithTimeout(-1));
    }

    @Test
    void anArgumentOutsideTheDomainFailsTheEncodeWithItsPath() throws IOException {
        dev.taipan.SerializationException e = assertThrows(dev.taipan.SerializationException.class,
                () -> CallFrame.encode(Messages.call(1, "echo", List.of(Map.of("t", new Thread())), null, 5L), MAX,
                        v -> v));
        assertTrue(e.getMessage().startsWith("args[0][\"t\"]: cannot send a java.lang.Thread"), e.getMessage());
        // The converter's answer takes the object's place.
        CallFrame converted = CallFrame.encode(Messages.call(1, "echo", List.of(new Object()), null, 5L), MAX,
                v -> Map.of("converted", true));
        assertEquals(List.of(Map.of("converted", true)), decode(converted.bytesWithTimeout(5)).get("args"));
    }
}
