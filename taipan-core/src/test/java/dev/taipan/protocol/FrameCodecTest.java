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
    void stringsAreStrictUtf8() {
        // Valid: ASCII, multi-byte characters, and a real U+FFFD (which the fast path hands to the strict decoder).
        for (String ok : List.of("", "plain", "é€😀", "\uFFFD", "a\uFFFDb")) {
            assertEquals(ok, FrameCodec.decodeBody(body(Map.of("v", 1, "type", "result", "id", 1, "value", ok)))
                    .get("value"));
        }
        // Invalid: a lone continuation byte, an overlong NUL, an encoded surrogate, a truncated sequence.
        byte[][] bad = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xE2, (byte) 0x82}};
        for (byte[] b : bad) {
            byte[] body = new byte[4 + b.length];
            body[0] = (byte) 0x81; // map of 1: "v" -> str of the bad bytes
            body[1] = (byte) 0xA1;
            body[2] = 'v';
            body[3] = (byte) (0xA0 | b.length);
            System.arraycopy(b, 0, body, 4, b.length);
            ProtocolException e = assertThrows(ProtocolException.class, () -> FrameCodec.decodeBody(body));
            assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        }
    }

    @Test
    void decodesABodyInsideABiggerBuffer() {
        byte[] frame = FrameCodec.encode(Messages.result(9, List.of("x", 1)), MAX);
        byte[] buf = new byte[frame.length + 10];
        System.arraycopy(frame, 0, buf, 7, frame.length);
        assertEquals(frame.length - 4, FrameCodec.bodyLength(buf, 7, MAX));
        Map<String, Object> msg = FrameCodec.decodeBody(buf, 7 + 4, frame.length - 4);
        assertEquals(List.of("x", 1L), msg.get("value"));
        buf[7] = (byte) 0x7F; // a header over the maximum
        assertThrows(ProtocolException.class, () -> FrameCodec.bodyLength(buf, 7, MAX));
    }

    @Test
    void theReusedEncodeBufferNeverLeaksBytesBetweenFrames() {
        // Big, small, failed (unserializable), small again, and an encode inside an encode.
        Map<String, Object> small = Messages.result(1, "s");
        byte[] expected = FrameCodec.encode(small, MAX);
        FrameCodec.encode(Messages.result(2, "x".repeat(200_000)), MAX);
        assertArrayEquals(expected, FrameCodec.encode(small, MAX));
        assertThrows(SerializationException.class, () -> FrameCodec.encode(Messages.result(3, List.of(1, new Object())), MAX));
        assertArrayEquals(expected, FrameCodec.encode(small, MAX));
        CharSequence nested = new CharSequence() {
            @Override
            public int length() {
                return toString().length();
            }

            @Override
            public char charAt(int i) {
                return toString().charAt(i);
            }

            @Override
            public CharSequence subSequence(int a, int b) {
                return toString().subSequence(a, b);
            }

            @Override
            public String toString() {
                return "n" + FrameCodec.encode(small, MAX).length; // encodes while the outer encode runs
            }
        };
        Map<String, Object> outer = FrameCodec.decodeBody(body(Messages.result(4, List.of(nested, "after"))));
        assertEquals(List.of("n" + expected.length, "after"), outer.get("value"));
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
        assertTrue(e.getMessage().contains("args[\"x\"][0]"), e.getMessage());
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
