package dev.taipan.protocol;

import dev.taipan.TestPools;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The builders of the stream credit messages write exactly the golden vectors' bytes. */
class StreamMessagesTest {
    private static byte[] vector(String name) throws Exception {
        return Files.readAllBytes(TestPools.repo().resolve("protocol/vectors/" + name + ".bin"));
    }

    @Test
    void chunkAckAndAWindowedCallMatchTheirVectors() throws Exception {
        int max = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
        assertArrayEquals(vector("chunk_ack"), FrameCodec.encode(Messages.chunkAck(18, 15), max));
        assertArrayEquals(vector("call_stream_window"), FrameCodec.encode(
                Messages.call(20, "app:tokens", List.of("a b c"), null, 30_000L, 32, 8 * 1024 * 1024), max));
    }
}
