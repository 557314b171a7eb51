package dev.taipan.pool;

import dev.taipan.RemoteHost;
import dev.taipan.protocol.Values;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How the pool reaches a {@link RemoteHost}: a TCP connection to one of its ports, plain (on
 * loopback only) or TLS 1.3 with the pool's client certificate, as a {@link Transport}. The
 * host's control connection and each worker's connection are made here, alike.
 */
final class HostTransports {
    private final RemoteHost host;
    private final TlsContext tls;
    private final int connectMillis;

    HostTransports(RemoteHost host, long connectMillis) throws IOException {
        this.host = host;
        this.connectMillis = (int) connectMillis;
        if (host.tlsConfig().isPresent()) {
            try {
                this.tls = TlsContext.load(host.tlsConfig().get());
            } catch (TlsContext.BadFile e) {
                throw new IOException("TLS for host " + host + ": " + e.getMessage(), e);
            }
        } else {
            this.tls = null;
        }
    }

    /** Connects to {@code port} of the host (and runs the TLS handshake); the caller owns the transport. */
    Transport connect(int port) throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.socket().connect(new InetSocketAddress(host.address(), port), connectMillis);
            if (tls == null) {
                return new SocketTransport(channel);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return tls.connect(channel, host.address()); // closes the channel if the handshake fails
    }

    /** A frame as the host channels frame them: a 4-byte big-endian length, one MessagePack map. */
    static ByteBuffer frame(Map<String, ?> message) throws IOException {
        MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
        Values.pack(packer, message);
        byte[] body = packer.toByteArray();
        return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
    }

    /** Writes all of {@code frame}, waiting for room at most {@code millis} in all. */
    static void writeFully(Transport t, ByteBuffer frame, long millis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (frame.hasRemaining()) {
            if (t.write(frame) == 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IOException("could not write to the host within " + millis + " ms");
                }
                t.awaitWritable(left);
            }
        }
    }
}
