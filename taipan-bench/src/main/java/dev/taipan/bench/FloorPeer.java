package dev.taipan.bench;

import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor of {@code taipan bench overhead}: {@code python -m taipan_testing.floor}, a blocking
 * single-threaded Python loop that answers every frame with a {@code result} carrying the call's
 * args. One Python process, the same framing and codec ({@link FrameCodec}, {@link Messages#call},
 * the same call frame bytes as the pool sends) over the same transport (a Unix socket): what is
 * left of a call once the pool's own work is taken away. An instance is the process and its one
 * connection; {@link Direct} (one caller) and {@link Muxed} (many) are its two clients.
 */
final class FloorPeer implements AutoCloseable {
    static final long CALL_TIMEOUT_MS = 60_000;
    static final int MAX_FRAME = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    final Process process;
    final SocketChannel channel;
    final InputStream in;
    final Path stderr;

    private FloorPeer(Process process, SocketChannel channel, Path stderr) {
        this.process = process;
        this.channel = channel;
        // The same reading path as the pool's Connection: a 64 KiB buffer over the channel.
        this.in = new BufferedInputStream(Channels.newInputStream(channel), 64 * 1024);
        this.stderr = stderr;
    }

    static FloorPeer start(String python, Path dir, String name, Duration timeout) throws IOException,
            InterruptedException {
        Path sock = dir.resolve(name + ".sock");
        Path err = dir.resolve(name + ".stderr");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            server.configureBlocking(false);
            ProcessBuilder pb = new ProcessBuilder(python, "-m", "taipan_testing.floor", "--socket", sock.toString());
            pb.redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(err.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    SocketChannel ch = server.accept();
                    if (ch != null) {
                        ch.configureBlocking(true);
                        return new FloorPeer(p, ch, err);
                    }
                    if (!p.isAlive()) {
                        throw new IOException("the floor (" + String.join(" ", pb.command()) + ") exited with status "
                                + p.exitValue() + " before connecting: " + PeerProcesses.tail(err));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException("the floor did not connect within " + timeout.toMillis() + " ms: "
                                + PeerProcesses.tail(err));
                    }
                    Thread.sleep(5);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                PeerProcesses.kill(p);
                throw e;
            }
        } finally {
            Files.deleteIfExists(sock);
        }
    }

    void write(byte[] frame) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(frame);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Closes the connection (the floor exits at EOF), then makes sure the process is gone. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closed either way.
        }
        PeerProcesses.exitOrKill(process);
    }

    static byte[] callFrame(long id, Object args) {
        // Exactly what the pool sends for pool.call("echo", [1]) with its default 60 s timeout.
        return FrameCodec.encode(Messages.call(id, OverheadBenchmark.FUNCTION, args, null, CALL_TIMEOUT_MS), MAX_FRAME);
    }

    /** 1 caller: write, then read the reply, on the caller's thread. */
    static final class Direct implements OverheadBenchmark.Target {
        private final FloorPeer floor;
        private long nextId;

        Direct(FloorPeer floor) {
            this.floor = floor;
        }

        @Override
        public Object call(Object args) throws IOException {
            long id = ++nextId;
            floor.write(callFrame(id, args));
            Map<String, Object> reply = FrameCodec.read(floor.in, MAX_FRAME);
            if (reply == null) {
                throw new IOException("the floor closed the connection");
            }
            if (Messages.integer(reply, "id") != id) {
                throw new IOException("the floor answered call " + reply.get("id") + ", expected " + id);
            }
            return reply.get("value");
        }
    }

    /** N callers: writes under a lock, one reader thread completing per-id futures. */
    static final class Muxed implements OverheadBenchmark.Target, AutoCloseable {
        private final FloorPeer floor;
        private final AtomicLong ids = new AtomicLong();
        private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
        private final Object writeLock = new Object();
        private final Thread reader;

        Muxed(FloorPeer floor) {
            this.floor = floor;
            this.reader = new Thread(this::readLoop, "bench-floor-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void readLoop() {
            Throwable cause = null;
            try {
                Map<String, Object> reply;
                while ((reply = FrameCodec.read(floor.in, MAX_FRAME)) != null) {
                    CompletableFuture<Object> f = pending.remove(Messages.integer(reply, "id"));
                    if (f != null) {
                        f.complete(reply.get("value"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                cause = e;
            }
            IOException gone = new IOException("the floor connection ended", cause);
            pending.values().forEach(f -> f.completeExceptionally(gone));
        }

        @Override
        public Object call(Object args) throws Exception {
            long id = ids.incrementAndGet();
            CompletableFuture<Object> f = new CompletableFuture<>();
            pending.put(id, f);
            byte[] frame = callFrame(id, args);
            try {
                synchronized (writeLock) {
                    floor.write(frame);
                }
            } catch (IOException e) {
                pending.remove(id);
                throw e;
            }
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw new IOException("floor call failed", e.getCause());
            }
        }

        @Override
        public void close() {
            floor.close();
            try {
                reader.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
