package dev.taipan.pool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kinds of socket a worker's frames travel over, for tests that must hold on each. */
enum Wire {
    /** A Unix-domain socket, as a local worker connects. */
    UNIX {
        @Override
        Ends connect() throws IOException {
            Path dir = Files.createTempDirectory("taipan-wire-");
            Path sock = dir.resolve("s");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(sock));
                SocketChannel worker = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                return new Ends(server.accept(), worker);
            } finally {
                Files.deleteIfExists(sock);
                Files.deleteIfExists(dir);
            }
        }
    },
    /** TCP over the loopback interface, as a worker on another host would connect. */
    TCP {
        @Override
        Ends connect() throws IOException {
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
                server.bind(new InetSocketAddress("127.0.0.1", 0));
                SocketChannel worker = SocketChannel.open(server.getLocalAddress());
                return new Ends(server.accept(), worker);
            }
        }
    };

    /** A connected pair, both blocking: the pool's end and the worker's. */
    abstract Ends connect() throws IOException;

    record Ends(SocketChannel pool, SocketChannel worker) implements AutoCloseable {
        /**
         * Makes the socket's buffers small, so that a few hundred KiB fill them whatever the
         * machine's defaults (TCP's grow to megabytes).
         */
        void shrinkBuffers() throws IOException {
            pool.setOption(StandardSocketOptions.SO_SNDBUF, 16 * 1024);
            worker.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
        }

        @Override
        public void close() throws IOException {
            try {
                pool.close();
            } finally {
                worker.close();
            }
        }
    }
}
