package dev.taipan.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the frame decoder (Jazzer). Whatever the bytes, reading them
 * must end in a message, a clean end of stream, or a {@link ProtocolException}: never another
 * exception, a hang or an unbounded allocation (the frame limit here is 1 MiB, so a
 * allocation beyond that is a finding too). Under {@code mvn test} it replays the corpus;
 * {@code JAZZER_FUZZ=1} fuzzes for real (see bin/taipan fuzz).
 */
class FrameDecoderFuzzTest {
    private static final int MAX = 1024 * 1024;

    @FuzzTest(maxDuration = "30s")
    void decodingAnyBytesEndsInAMessageOrAProtocolError(byte[] data) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        try {
            while (true) {
                Map<String, Object> m = FrameCodec.read(in, MAX);
                if (m == null) {
                    return;
                }
                // A decoded message must encode again (the decoder accepts only what the encoder writes).
                FrameCodec.encode(m, Integer.MAX_VALUE - 8);
            }
        } catch (ProtocolException expected) {
            // The one allowed failure.
        }
    }
}
