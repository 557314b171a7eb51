package dev.taipan.protocol;

import dev.taipan.FrameTooLargeException;
import dev.taipan.SerializationException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameCodecTest {
    private static final int MAX = 1024 * 1024;

    @Test
    void roundTripsEveryValueKind() throws IOException {
        Map<String, Object> msg = Messages.call(7, "m:f", List.of(1, -2, 3.5, "é", true, new byte[]{1, 2},
                Map.of("k", List.of())), "s", 1000L);
        Map<String, Object> back = FrameCodec.read(new ByteArrayInputStream(FrameCodec.encode(msg, MAX)), MAX);
        assertEquals(7L, back.get("id"));
        List<?> args = (List<?>) back.get("args");
        assertEquals(List.of(1L, -2L, 3.5, "é", true), args.subList(0, 5));
        assertArrayEquals(new byte[]{1, 2}, (byte[]) args.get(5));
        assertEquals(Map.of("k", List.of()), args.get(6));
        assertEquals(1000L, back.get("timeout_ms"));
    }

    @Test
    void encodeRefusesAnOversizeFrameBeforeReturningIt() {
        Map<String, Object> msg = Messages.call(1, "f", List.of(new byte[MAX]), null, null);
        FrameTooLargeException e = assertThrows(FrameTooLargeException.class, () -> FrameCodec.encode(msg, MAX));
        assertTrue(e.frameBytes() > MAX);
        assertEquals(MAX, e.maxFrameBytes());
    }

    @Test
    void oversizeHeaderIsRejectedWithoutReadingTheBody() {
        byte[] header = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0};
        CountingStream in = new CountingStream(header);
        ProtocolException e = assertThrows(ProtocolException.class, () -> FrameCodec.read(in, MAX));
        assertTrue(e.getMessage().contains("over the maximum"), e.getMessage());
        assertEquals(4, in.served, "only the header may be read");
    }

    @Test
    void cleanEndOfStreamIsNullButAPartialFrameIsAnError() throws IOException {
        assertNull(FrameCodec.read(new ByteArrayInputStream(new byte[0]), MAX));
        assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(new byte[]{0, 0}), MAX));
        byte[] frame = FrameCodec.encode(Messages.cancel(1), MAX);
        byte[] cut = Arrays.copyOf(frame, frame.length - 1);
        assertThrows(ProtocolException.class, () -> FrameCodec.read(new ByteArrayInputStream(cut), MAX));
    }

    @Test
    void hostileLengthsInsideTheBodyAreRejected() {
        // A map header declaring 2^32-1 entries in a 6-byte body must not allocate.
        byte[] body = {(byte) 0xDF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x00};
        assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(body));
        // str32 declaring 1 GiB.
        byte[] str = {(byte) 0x81, (byte) 0xA1, 'v', (byte) 0xDB, 0x40, 0, 0, 0};
        assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(str));
    }

    @Test
    void envelopeIsValidated() {
        assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(body(Map.of("v", 2, "type", "call"))));
        assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(body(Map.of("v", 1, "type", "stream"))));
        assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(body(Map.of("v", 1))));
        assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(new byte[]{(byte) 0x93, 1, 2, 3}));
    }

    @Test
    void valuesJavaCannotSendAreNamedWithTheirPath() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> FrameCodec.encode(Messages.call(1, "f", Map.of("x", List.of(new Object())), null, null), MAX));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        assertTrue(e.getMessage().contains("x[0]"), e.getMessage());
        assertThrows(SerializationException.class,
                () -> FrameCodec.encode(Messages.result(1, BigInteger.TWO.pow(70)), MAX));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(SerializationException.class, () -> FrameCodec.encode(Messages.result(1, cycle), MAX));
    }

    private static byte[] body(Map<String, ?> m) {
        byte[] frame = FrameCodec.encode(m, MAX);
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    /** Serves its bytes, then zeros forever, counting every byte handed out. */
    private static final class CountingStream extends InputStream {
        private final byte[] data;
        int served;

        CountingStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            int b = served < data.length ? data[served] & 0xFF : 0;
            served++;
            return b;
        }
    }
}
