package dev.taipan.pool;

import dev.taipan.TaipanException;
import dev.taipan.protocol.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pool's Unix socket in a private (0700) directory. Workers connect here and must send
 * an {@code auth} frame with their own secret before anything else; a connection that does
 * not is logged and dropped. Authenticated connections are handed to the waiting worker.
 */
final class SocketListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SocketListener.class);

    private final Path directory;
    private final SocketDirs.Dir dir;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final int maxFrameBytes;
    private final long authTimeoutMillis;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Expected> expected = new ConcurrentHashMap<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private record Expected(byte[] token, CompletableFuture<Connection> connection) {
    }

    SocketListener(PoolThreads threads, Path parent, String poolName, int maxFrameBytes, long authTimeoutMillis,
                   ScheduledExecutorService scheduler) throws IOException {
        this.maxFrameBytes = maxFrameBytes;
        this.authTimeoutMillis = authTimeoutMillis;
        this.scheduler = scheduler;
        Files.createDirectories(parent);
        SocketDirs.sweep(parent); // directories of dead JVMs (see SocketDirs)
        this.dir = SocketDirs.create(parent);
        this.directory = dir.path;
        this.socketPath = directory.resolve("pool.sock");
        try {
            if (socketPath.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
                throw new TaipanException("socket path " + socketPath + " is too long for a Unix socket;"
                        + " set PoolConfig.socketParent to a shorter directory");
            }
            this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socketPath));
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
        this.acceptor = threads.start(poolName + "-acceptor", this::acceptLoop);
    }

    Path socketPath() {
        return socketPath;
    }

    /** Registers a worker about to start; the future completes when it has authenticated. */
    CompletableFuture<Connection> expect(String workerId, String token) {
        CompletableFuture<Connection> f = new CompletableFuture<>();
        expected.put(workerId, new Expected(token.getBytes(StandardCharsets.UTF_8), f));
        f.whenComplete((c, e) -> expected.remove(workerId));
        return f;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("accept failed on {}: {}", socketPath, e.toString());
                }
                return;
            }
            // Authenticate off the acceptor thread so one silent client cannot block others.
            Thread t = new Thread(() -> authenticate(ch), "taipan-auth");
            t.setDaemon(true);
            t.start();
        }
    }

    private void authenticate(SocketChannel ch) {
        Connection conn;
        try {
            conn = new Connection(ch, maxFrameBytes);
        } catch (IOException | RuntimeException e) {
            LOG.warn("dropped a connection to {}: {}", socketPath, e.toString());
            closeQuietly(ch);
            return;
        }
        ScheduledFuture<?> deadline = scheduler.schedule(conn::close, authTimeoutMillis, TimeUnit.MILLISECONDS);
        try {
            Map<String, Object> first = conn.read();
            if (first == null || !Messages.AUTH.equals(Messages.type(first))) {
                LOG.warn("dropped a connection to {}: first frame was not 'auth'", socketPath);
                conn.close();
                return;
            }
            String workerId = Messages.string(first, "worker_id");
            byte[] token = Messages.string(first, "token").getBytes(StandardCharsets.UTF_8);
            Expected exp = expected.get(workerId);
            if (exp == null || !MessageDigest.isEqual(exp.token, token)) {
                // Never log the token itself.
                LOG.warn("dropped a connection to {} claiming worker '{}': {}", socketPath, workerId,
                        exp == null ? "no such worker is starting" : "wrong secret");
                conn.close();
                return;
            }
            deadline.cancel(false);
            if (!exp.connection.complete(conn)) {
                conn.close();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.warn("dropped a connection to {} during authentication: {}", socketPath, e.toString());
            }
            conn.close();
        } finally {
            deadline.cancel(false);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // Already gone.
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing is best effort.
        }
        acceptor.interrupt();
        dir.close(); // removes the socket and the directory, then drops the lock
        expected.values().forEach(e -> e.connection.cancel(false));
    }
}
