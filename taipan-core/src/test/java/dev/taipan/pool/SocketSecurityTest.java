package dev.taipan.pool;

import dev.taipan.TaipanPool;
import dev.taipan.TestPools;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only a worker with its own secret may join a pool; the socket lives in a private directory. */
@Tag("python")
class SocketSecurityTest {
    @Test
    void aConnectionWithoutTheRightSecretIsDroppedAndThePoolCarriesOn() throws Exception {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).build())) {
            WorkerInfoPath w = socketOf(pool);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(w.socket.getParent())));
            for (String token : List.of("wrong-secret", "")) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(w.socket));
                    ch.write(ByteBuffer.wrap(FrameCodec.encode(Messages.auth(w.workerId, token), 1024)));
                    ByteBuffer buf = ByteBuffer.allocate(16);
                    assertEquals(-1, ch.read(buf), "the pool closes a connection with a wrong secret");
                }
            }
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(w.socket));
                ch.write(ByteBuffer.wrap(new byte[]{0, 0, 0, 3, 'x', 'y', 'z'}));
                assertEquals(-1, ch.read(ByteBuffer.allocate(16)), "garbage instead of auth is dropped too");
            }
            assertEquals("pong", pool.call("ping"));
            assertEquals(0L, pool.stats().workersReplaced());
        }
    }

    private record WorkerInfoPath(String workerId, Path socket) {
    }

    /** The socket path and worker id, read from the worker's own command line. */
    private static WorkerInfoPath socketOf(TaipanPool pool) {
        var w = pool.workers().get(0);
        List<String> args = List.of(ProcessHandle.of(w.pid()).orElseThrow().info().arguments().orElseThrow());
        Path socket = Path.of(args.get(args.indexOf("--socket") + 1));
        assertTrue(Files.exists(socket), socket.toString());
        return new WorkerInfoPath(w.id(), socket);
    }
}
