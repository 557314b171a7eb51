package dev.taipan.pool;

import dev.taipan.TaipanException;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The pool's Unix socket in a private (0700) directory. Workers connect here and must send
 * an {@code auth} frame with their own secret before anything else; a connection that does
 * not is logged and dropped. Authenticated connections are handed to the waiting worker.
 *
 * <p>Until a connection has authenticated it is untrusted (any process of the same user can
 * connect), so it may cost the pool very little: one selector thread serves every waiting
 * connection with non-blocking reads; each has a buffer of at most
 * {@link #MAX_AUTH_FRAME_BYTES}, allocated only once its header has declared a length within
 * that limit (a bigger header closes it at once); it must have sent its whole {@code auth}
 * frame within {@link #AUTH_DEADLINE_MILLIS} (or the start timeout, if shorter); and at most
 * {@link #MAX_UNAUTHENTICATED} wait at once: a new connection beyond that closes the oldest
 * waiting one, which has had the most time. Only the bytes of the {@code auth} frame are read
 * here, so whatever the worker sends next is left in the socket for its {@link Connection}.
 */
final class SocketListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SocketListener.class);
    /** The largest first frame read before authentication; an {@code auth} frame is about 150 bytes. */
    static final int MAX_AUTH_FRAME_BYTES = 4096;
    /** How long a new connection has to send its {@code auth} frame (a worker sends it right after connecting). */
    static final long AUTH_DEADLINE_MILLIS = 5_000;
    /** Unauthenticated connections held at once; workers starting together stay far below it. */
    static final int MAX_UNAUTHENTICATED = 64;
    /** Dropped connections are logged at most once per this interval (with a count), not one line each. */
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** After a failed accept (out of file descriptors), accepting pauses this long instead of spinning. */
    private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Path directory;
    private final SocketDirs.Dir dir;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final SelectionKey acceptKey;
    private final int maxFrameBytes;
    private final long authDeadlineNanos;
    private final Map<String, Expected> expected = new ConcurrentHashMap<>();
    private final Thread thread;
    // Touched only by the listener thread.
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final DropLog drops;
    private long acceptPausedUntil;
    private boolean acceptPaused;
    private volatile boolean closed;

    private record Expected(byte[] token, CompletableFuture<Connection> connection) {
    }

    /** A connection that has not authenticated yet; accept order is deadline order. */
    private static final class Waiting {
        final SocketChannel channel;
        final long deadline;
        final ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_BYTES);
        ByteBuffer body;
        SelectionKey key;

        Waiting(SocketChannel channel, long deadline) {
            this.channel = channel;
            this.deadline = deadline;
        }
    }

    /**
     * Listens in a new private directory under {@code parent}. Connections have
     * {@link #AUTH_DEADLINE_MILLIS}, or {@code startTimeoutMillis} if shorter, to authenticate.
     */
    SocketListener(PoolThreads threads, Path parent, String poolName, int maxFrameBytes, long startTimeoutMillis)
            throws IOException {
        this.maxFrameBytes = maxFrameBytes;
        this.authDeadlineNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, Math.min(AUTH_DEADLINE_MILLIS,
                startTimeoutMillis)));
        Files.createDirectories(parent);
        SocketDirs.sweep(parent); // directories of dead JVMs (see SocketDirs)
        this.dir = SocketDirs.create(parent);
        this.directory = dir.path;
        this.socketPath = directory.resolve("pool.sock");
        this.drops = new DropLog(line -> LOG.warn("dropped a connection to {}: {}", socketPath, line),
                DROP_LOG_INTERVAL_NANOS);
        ServerSocketChannel server = null;
        Selector selector = null;
        try {
            if (socketPath.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
                throw new TaipanException("socket path " + socketPath + " is too long for a Unix socket;"
                        + " set PoolConfig.socketParent to a shorter directory");
            }
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            selector = Selector.open();
            server.bind(UnixDomainSocketAddress.of(socketPath));
            server.configureBlocking(false);
            this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            closeQuietly(selector);
            closeQuietly(server);
            dir.close();
            throw e;
        }
        this.server = server;
        this.selector = selector;
        this.thread = threads.start(poolName + "-acceptor", this::loop);
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

    // ---------------------------------------------------------------- the listener thread

    private void loop() {
        try {
            while (!closed) {
                selector.select(this::ready, waitMillis());
                long now = System.nanoTime();
                expire(now);
                drops.flush(now);
                if (acceptPaused && now - acceptPausedUntil >= 0) {
                    acceptPaused = false;
                    acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.warn("the listener on {} failed: {}", socketPath, e.toString());
            }
        } finally {
            for (Waiting w : waiting) {
                closeQuietly(w.channel);
            }
            waiting.clear();
            closeQuietly(selector);
        }
    }

    /** How long the selector may wait: until the next deadline, summary or accept resumption (0: no bound). */
    private long waitMillis() {
        long now = System.nanoTime();
        long nanos = Long.MAX_VALUE;
        Waiting first = waiting.peekFirst();
        if (first != null) {
            nanos = first.deadline - now;
        }
        long flush = drops.nanosUntilFlush(now);
        if (flush >= 0) {
            nanos = Math.min(nanos, flush);
        }
        if (acceptPaused) {
            nanos = Math.min(nanos, acceptPausedUntil - now);
        }
        if (nanos == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos) + 1);
    }

    private void ready(SelectionKey key) {
        if (key == acceptKey) {
            acceptAll();
        } else if (key.isValid() && key.isReadable()) {
            read((Waiting) key.attachment());
        }
    }

    private void acceptAll() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                // Typically out of file descriptors: retrying at once would spin.
                drops.dropped("accept failed: " + e, System.nanoTime());
                acceptPaused = true;
                acceptPausedUntil = System.nanoTime() + ACCEPT_PAUSE_NANOS;
                acceptKey.interestOps(0);
                return;
            }
            if (ch == null) {
                return;
            }
            if (waiting.size() >= MAX_UNAUTHENTICATED) {
                drop(waiting.peekFirst(), "closed to make room: " + MAX_UNAUTHENTICATED
                        + " connections were already waiting to authenticate");
            }
            Waiting w = new Waiting(ch, System.nanoTime() + authDeadlineNanos);
            try {
                ch.configureBlocking(false);
                w.key = ch.register(selector, SelectionKey.OP_READ, w);
            } catch (IOException | RuntimeException e) {
                closeQuietly(ch);
                drops.dropped("cannot watch it: " + e, System.nanoTime());
                continue;
            }
            waiting.addLast(w);
        }
    }

    /** Reads what has arrived of the auth frame, never past its end. */
    private void read(Waiting w) {
        try {
            if (w.header.hasRemaining()) {
                if (w.channel.read(w.header) < 0) {
                    drop(w, "it closed before sending 'auth'");
                    return;
                }
                if (w.header.hasRemaining()) {
                    return;
                }
                long length = w.header.getInt(0) & 0xFFFFFFFFL;
                if (length == 0 || length > MAX_AUTH_FRAME_BYTES) {
                    // Judged from the header alone: nothing is allocated for a body this size.
                    drop(w, "its first frame declares " + length + " bytes; 1 to " + MAX_AUTH_FRAME_BYTES
                            + " are accepted before authentication");
                    return;
                }
                w.body = ByteBuffer.allocate((int) length);
            }
            if (w.channel.read(w.body) < 0) {
                drop(w, "it closed inside its first frame");
                return;
            }
            if (!w.body.hasRemaining()) {
                authenticate(w, FrameCodec.decodeBody(w.body.array()));
            }
        } catch (IOException | RuntimeException e) {
            drop(w, "bad first frame: " + e.getMessage());
        }
    }

    private void authenticate(Waiting w, Map<String, Object> first) throws IOException {
        if (!Messages.AUTH.equals(Messages.type(first))) {
            drop(w, "first frame was '" + Messages.type(first) + "', not 'auth'");
            return;
        }
        String workerId = Messages.string(first, "worker_id");
        byte[] token = Messages.string(first, "token").getBytes(StandardCharsets.UTF_8);
        Expected exp = expected.get(workerId);
        if (exp == null || !MessageDigest.isEqual(exp.token, token)) {
            // Never log the token itself.
            // The id is the client's text: shown, but no longer than an id can be.
            String shown = workerId.length() > 64 ? workerId.substring(0, 64) + "..." : workerId;
            drop(w, "claimed worker '" + shown + "': " + (exp == null ? "no such worker is starting"
                    : "wrong secret"));
            return;
        }
        waiting.remove(w);
        // The channel leaves this selector; it may join its transport's own while its key here
        // is only cancelled (deregistered at this selector's next select).
        w.key.cancel();
        Connection conn = new Connection(new SocketTransport(w.channel), maxFrameBytes);
        if (!exp.connection.complete(conn)) {
            conn.close();
        }
    }

    private void expire(long now) {
        Waiting w;
        while ((w = waiting.peekFirst()) != null && now - w.deadline >= 0) {
            drop(w, "it did not authenticate within " + TimeUnit.NANOSECONDS.toMillis(authDeadlineNanos) + " ms");
        }
    }

    private void drop(Waiting w, String why) {
        waiting.remove(w);
        closeQuietly(w.channel);
        if (!closed) {
            drops.dropped(why, System.nanoTime());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // Already gone.
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        selector.wakeup();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dir.close(); // removes the socket and the directory, then drops the lock
        expected.values().forEach(e -> e.connection.cancel(false));
    }
}
