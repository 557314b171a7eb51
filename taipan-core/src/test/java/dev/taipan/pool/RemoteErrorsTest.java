package dev.taipan.pool;

import dev.taipan.protocol.CallFrame;

import dev.taipan.PythonException;
import dev.taipan.TaipanException;
import dev.taipan.TestPools;
import dev.taipan.protocol.ErrorKindTable;
import dev.taipan.protocol.ErrorKinds;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Each error kind becomes the exception docs/PROTOCOL.md's table names for it, read from the
 * kind's golden vector as the pool reads a worker's frame.
 */
class RemoteErrorsTest {
    private static final Path VECTORS = TestPools.repo().resolve("protocol/vectors");
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    @TestFactory
    List<DynamicTest> everyKindRaisesTheDocumentedException() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (ErrorKindTable.Row row : ErrorKindTable.rows()) {
            tests.add(dynamicTest(row.kind() + " -> " + row.javaRaises(), () -> {
                if (row.javaRaises() == null) {
                    // Raises nothing: the engine gives the call to another worker before any mapping.
                    assertEquals(ErrorKinds.DRAINING, row.kind(), "only draining is documented as raising nothing");
                    return;
                }
                TaipanException ex = RemoteErrors.toException(call(), vector(row.kind()), MAX, Redactor.NONE);
                assertEquals(row.javaRaises(), ex.getClass().getSimpleName(), row.kind());
            }));
        }
        assertEquals(ErrorKinds.ALL.size(), tests.size());
        return tests;
    }

    @Test
    void theFunctionsExceptionKeepsItsPythonTypeMessageAndTraceback() throws IOException {
        Map<String, Object> frame = vector(ErrorKinds.EXCEPTION);
        PythonException ex = assertInstanceOf(PythonException.class,
                RemoteErrors.toException(call(), frame, MAX, Redactor.NONE));
        assertEquals("ZeroDivisionError", ex.pythonType());
        assertEquals("division by zero", ex.pythonMessage());
        assertTrue(ex.pythonTraceback().contains("return 1 / x"), ex.pythonTraceback());
    }

    @Test
    void aKindThisSideDoesNotKnowIsStillThePythonFailure() throws IOException {
        // A newer worker may send a kind this pool has no constant for: the caller still sees the failure.
        Map<String, Object> frame = new LinkedHashMap<>(vector(ErrorKinds.EXCEPTION));
        frame.put("kind", "a_kind_from_the_future");
        TaipanException ex = RemoteErrors.toException(call(), frame, MAX, Redactor.NONE);
        assertEquals(PythonException.class, ex.getClass());
        assertEquals("ZeroDivisionError", ((PythonException) ex).pythonType());
    }

    private static PendingCall call() {
        CallFrame frame = CallFrame.encode(Messages.call(15, "app:score", null, null, 500L), MAX, null);
        return new PendingCall(15, "app:score", frame, null, Duration.ofMillis(500));
    }

    /** The golden vector {@code error_<kind>}, decoded as the pool decodes a worker's frame. */
    private static Map<String, Object> vector(String kind) throws IOException {
        byte[] bytes = Files.readAllBytes(VECTORS.resolve("error_" + kind + ".bin"));
        Map<String, Object> frame = FrameCodec.read(new ByteArrayInputStream(bytes), MAX);
        assertEquals(Messages.ERROR, Messages.type(frame));
        assertEquals(kind, frame.get("kind"));
        return frame;
    }
}
