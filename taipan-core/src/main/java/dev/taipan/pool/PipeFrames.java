package dev.taipan.pool;

import dev.taipan.protocol.Values;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Frames written to a Python process's stdin: a 4-byte big-endian length, then one
 * MessagePack map (the pool protocol's framing, without its envelope). They carry the
 * zygote's requests and, to every process, the secrets that must not be in its environment.
 */
final class PipeFrames {
    private PipeFrames() {
    }

    static void write(OutputStream out, Map<String, ?> message) throws IOException {
        MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
        Values.pack(packer, message);
        byte[] body = packer.toByteArray();
        byte[] frame = new byte[4 + body.length];
        frame[0] = (byte) (body.length >>> 24);
        frame[1] = (byte) (body.length >>> 16);
        frame[2] = (byte) (body.length >>> 8);
        frame[3] = (byte) body.length;
        System.arraycopy(body, 0, frame, 4, body.length);
        out.write(frame);
        out.flush();
    }
}
