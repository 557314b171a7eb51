package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.RemoteHost;
import dev.taipan.protocol.Values;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pool's control connection to one worker host ({@code python -m taipan_worker.host}; its
 * channel is in docs/PROTOCOL.md, "Worker host control channel"): it says who the pool is and
 * how long its lease is, asks for workers and stops them, and hears their output and exits.
 *
 * <p>One reader thread per connection reads the reports and keeps the link alive: it sends a
 * heartbeat every {@link #pingMillis} (which renews the lease on the host) and declares the
 * link lost when nothing has come back for three of them, so a dead host or a link that went
 * down is noticed within the same bound as a silent worker. A lost link fails the starts under
 * way and every worker of this host with it (their exits complete, unknown); the next start
 * connects again, after a back-off that doubles per failure, with jitter, so that many pools
 * do not all knock on a host that comes back at the same moment.
 */
final class HostLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostLink.class);
    /** Reports carry output lines and small maps; anything bigger is a broken channel. */
    private static final int MAX_REPORT_BYTES = 16 * 1024 * 1024;

    final RemoteHost host;
    final String name;
    private final PoolConfig config;
    private final String runId;
    private final Redactor redactor;
    private final PoolThreads threads;
    private final Map<String, String> env;
    private final long pingMillis;
    private final long connectMillis;

    private final Object lock = new Object();
    /** The current connection, or null; replaced under {@link #lock}. */
    private Transport socket;
    private final Object writeLock = new Object();
    final HostTransports transports;
    private int generation;
    private int failures;
    private long retryAtNanos;
    private String lastFailure;
    private volatile boolean up;
    private volatile boolean closed;
    private volatile String hostName;

    private final Map<String, CompletableFuture<RemoteProcess>> starts = new ConcurrentHashMap<>();
    private final Map<String, RemoteProcess> processes = new ConcurrentHashMap<>();

    HostLink(RemoteHost host, PoolConfig config, String runId, Redactor redactor, PoolThreads threads,
             HostTransports transports) {
        this.host = host;
        this.name = host.toString();
        this.config = config;
        this.runId = runId;
        this.redactor = redactor;
        this.threads = threads;
        this.env = config.environment();
        long lease = host.lease().toMillis();
        long hb = config.heartbeatInterval().toMillis();
        this.pingMillis = Math.max(10, hb > 0 ? Math.min(hb, lease / 4) : lease / 4);
        this.connectMillis = Math.max(1_000, Math.min(10_000, config.startTimeout().toMillis() / 2));
        this.transports = transports;
    }

    /** Whether a start may be tried now: the link is up, or its back-off has passed. */
    boolean available() {
        synchronized (lock) {
            return !closed && (up || System.nanoTime() - retryAtNanos >= 0);
        }
    }

    /**
     * How many of the pool's workers are there or on their way: counted when a start is
     * placed here (before it is sent, so that starts placed at the same moment spread), until
     * it fails or the worker ends.
     */
    final java.util.concurrent.atomic.AtomicInteger placed = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Asks the host for worker {@code workerId}, connecting first if need be; returns once the
     * host has forked it (its port is then known), or throws why not: the host refused (its
     * reason), cannot be reached, or did not answer within {@code millis}.
     */
    RemoteProcess start(String workerId, String token, long millis) throws IOException {
        ensureOpen();
        CompletableFuture<RemoteProcess> reply = new CompletableFuture<>();
        starts.put(workerId, reply);
        try {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("type", "start");
            request.put("worker_id", workerId);
            request.put("token", token);
            request.put("modules", config.modules());
            request.put("slots", config.slots());
            request.put("max_frame_bytes", config.maxFrameBytes());
            request.put("accept_timeout_ms", config.startTimeout().toMillis());
            send(request);
            return reply.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("host " + name + " did not answer a start request within " + millis + " ms");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting a worker on host " + name);
        } finally {
            starts.remove(workerId);
        }
    }

    /** Asks the host to signal a worker ({@code "term"} or {@code "kill"}); nothing if the link is down. */
    void stop(String workerId, String signal) {
        try {
            send(Map.of("type", "stop", "worker_id", workerId, "signal", signal));
        } catch (IOException e) {
            LOG.debug("pool {} host {}: cannot send stop {} for {}: {}", config.name(), name, signal, workerId,
                    e.toString());
        }
    }

    // ---------------------------------------------------------------- the connection

    private void ensureOpen() throws IOException {
        synchronized (lock) {
            if (closed) {
                throw new IOException("the pool is closing");
            }
            if (up) {
                return;
            }
            long wait = retryAtNanos - System.nanoTime();
            if (wait > 0) {
                throw new IOException("host " + name + " is unreachable (" + lastFailure + "); next attempt in "
                        + TimeUnit.NANOSECONDS.toMillis(wait) + " ms");
            }
            Transport s = null;
            try {
                s = transports.connect(host.port());
                Map<String, Object> open = new LinkedHashMap<>();
                open.put("type", "open");
                open.put("pool", config.name());
                open.put("run_id", runId);
                open.put("lease_ms", host.lease().toMillis());
                open.put("env", env);
                WorkerLauncher.putLogLevel(open, config);
                HostTransports.writeFully(s, HostTransports.frame(open), connectMillis);
                Frames frames = new Frames(s);
                Map<String, Object> opened = frames.next(connectMillis);
                if (opened == Frames.NOTHING) {
                    throw new IOException("the host did not answer 'open' within " + connectMillis + " ms");
                }
                if (opened == null || !"opened".equals(opened.get("type"))) {
                    throw new IOException(opened == null ? "the host closed the connection"
                            : "the host answered " + opened.get("type") + ": " + opened.get("error"));
                }
                socket = s;
                up = true;
                failures = 0;
                int gen = ++generation;
                hostName = String.valueOf(opened.get("host"));
                LOG.info("pool {} host {} connected: {} (pid {}, taipan-worker {}), modules {}, lease {} ms",
                        config.name(), name, hostName, opened.get("pid"), opened.get("package"), opened.get("modules"),
                        opened.get("lease_ms"));
                threads.start(config.name() + "-host-" + name, () -> read(frames, gen));
            } catch (IOException | RuntimeException e) {
                closeQuietly(s);
                failures++;
                long backoff = Math.min(config.maxRestartBackoff().toMillis(),
                        Math.max(100, config.restartBackoff().toMillis()) << Math.min(20, failures - 1));
                // Jitter: half to one and a half times the back-off.
                long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff + 1);
                retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(jittered);
                lastFailure = e.getMessage();
                throw new IOException("cannot reach host " + name + ": " + e.getMessage(), e);
            }
        }
    }

    private void send(Map<String, ?> message) throws IOException {
        Transport t;
        synchronized (lock) {
            if (!up) {
                throw new IOException("the link to host " + name + " is down");
            }
            t = socket;
        }
        java.nio.ByteBuffer frame = HostTransports.frame(message);
        synchronized (writeLock) {
            // Bounded: a host whose window stays shut is as good as silent.
            HostTransports.writeFully(t, frame, 3 * pingMillis);
        }
    }

    /** The reader of one connection ({@code gen}): reports, heartbeats, and the silence bound. */
    private void read(Frames frames, int gen) {
        long lastHeard = System.nanoTime();
        long lastPing = lastHeard;
        long seq = 0;
        String why;
        try {
            while (true) {
                Map<String, Object> report = frames.next(pingMillis);
                long now = System.nanoTime();
                if (report == null) {
                    why = "the host closed the control connection";
                    break;
                }
                if (report != Frames.NOTHING) {
                    lastHeard = now;
                    if ("error".equals(report.get("type"))) {
                        why = "the host closed the control connection: " + report.get("error");
                        break;
                    }
                    apply(report);
                }
                long silent = TimeUnit.NANOSECONDS.toMillis(now - lastHeard);
                if (silent >= 3 * pingMillis) {
                    why = "no answer from the host for " + silent + " ms";
                    break;
                }
                if (TimeUnit.NANOSECONDS.toMillis(now - lastPing) >= pingMillis) {
                    lastPing = now;
                    send(Map.of("type", "heartbeat", "seq", ++seq));
                }
            }
        } catch (IOException | RuntimeException e) {
            why = "the control connection broke (" + e.getMessage() + ")";
        }
        lost(gen, why);
    }

    private void apply(Map<String, Object> report) {
        Object type = report.get("type");
        String id = String.valueOf(report.get("worker_id"));
        if ("output".equals(type) || "closed".equals(type)) {
            RemoteProcess p = processes.get(id);
            if (p == null) {
                return;
            }
            OutputPump pump = "stdout".equals(report.get("stream")) ? p.stdout : p.stderr;
            if ("closed".equals(type)) {
                pump.end();
                return;
            }
            List<?> lines = (List<?>) report.get("lines");
            List<?> more = report.get("more") instanceof List ? (List<?>) report.get("more") : List.of();
            for (int i = 0; i < lines.size(); i++) {
                pump.accept(String.valueOf(lines.get(i)), i < more.size() && Boolean.TRUE.equals(more.get(i)));
            }
        } else if ("exited".equals(type)) {
            RemoteProcess p = processes.remove(id);
            if (p != null) {
                p.exited(((Number) report.get("status")).intValue());
            }
        } else if ("started".equals(type)) {
            OutputLimiter limiter = new OutputLimiter(id);
            RemoteProcess p = new RemoteProcess(this, id, ((Number) report.get("pid")).longValue(),
                    ((Number) report.get("port")).intValue(), new OutputPump(id, "stdout", redactor, limiter),
                    new OutputPump(id, "stderr", redactor, limiter));
            processes.put(id, p);
            CompletableFuture<RemoteProcess> reply = starts.get(id);
            if (reply == null || !reply.complete(p)) {
                p.kill(); // nobody waits for it any more: it must not live on
            }
        } else if ("refused".equals(type)) {
            CompletableFuture<RemoteProcess> reply = starts.get(id);
            if (reply != null) {
                reply.completeExceptionally(new IOException("host " + name + " refused to start it: "
                        + report.get("error")));
            }
        } else if (!"heartbeat".equals(type)) {
            throw new IllegalStateException("unknown report type " + type);
        }
    }

    private void lost(int gen, String why) {
        synchronized (lock) {
            if (gen != generation || !up) {
                return;
            }
            up = false;
            closeQuietly(socket);
            socket = null;
            failures++;
            // The first reconnect may come soon (a restarted host); later ones back off.
            long backoff = Math.min(config.maxRestartBackoff().toMillis(), Math.max(100, config.restartBackoff().toMillis()));
            retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(
                    backoff / 2 + ThreadLocalRandom.current().nextLong(backoff + 1));
            lastFailure = why;
        }
        String how = "lost with host " + name + ": " + why;
        if (!closed) {
            LOG.warn("pool {} host {}: {}; its {} workers are lost", config.name(), name, why, processes.size());
        }
        IOException failure = new IOException(how);
        starts.values().forEach(f -> f.completeExceptionally(failure));
        for (RemoteProcess p : processes.values()) {
            p.lost(how);
        }
        processes.clear();
    }

    /** Closes the control connection: the host ends whatever of the pool's workers are left. */
    @Override
    public void close() {
        int gen;
        synchronized (lock) {
            closed = true;
            gen = generation;
        }
        lost(gen, "the pool closed");
    }

    private static void closeQuietly(Transport t) {
        if (t != null) {
            t.close();
        }
    }

    /**
     * Whole report frames from a transport, waiting a bounded time for each: bytes are kept
     * across waits, so a wait that ends never loses part of a frame.
     */
    private static final class Frames {
        static final Map<String, Object> NOTHING = Map.of();
        private final Transport in;
        private byte[] buf = new byte[65536];
        private int len;

        Frames(Transport in) {
            this.in = in;
        }

        /** The next report; null at the end of the stream; {@link #NOTHING} if none came within {@code millis}. */
        Map<String, Object> next(long millis) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (true) {
                if (len >= 4) {
                    int length = ((buf[0] & 0xff) << 24) | ((buf[1] & 0xff) << 16) | ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                    if (length <= 0 || length > MAX_REPORT_BYTES) {
                        throw new IOException("bad report length " + Integer.toUnsignedString(length));
                    }
                    if (len >= 4 + length) {
                        Map<String, Object> report = decode(buf, 4, length);
                        System.arraycopy(buf, 4 + length, buf, 0, len - 4 - length);
                        len -= 4 + length;
                        return report;
                    }
                    if (buf.length < 4 + length) {
                        buf = java.util.Arrays.copyOf(buf, 4 + length);
                    }
                }
                int n = in.read(java.nio.ByteBuffer.wrap(buf, len, buf.length - len));
                if (n == 0) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (left <= 0 || !in.awaitReadable(left)) {
                        if (System.nanoTime() - deadline >= 0) {
                            return NOTHING;
                        }
                    }
                    continue;
                }
                if (n < 0) {
                    if (len > 0) {
                        throw new IOException("the control connection ended inside a frame");
                    }
                    return null;
                }
                len += n;
            }
        }

        private static Map<String, Object> decode(byte[] buf, int offset, int length) throws IOException {
            try (MessageUnpacker u = MessagePack.newDefaultUnpacker(buf, offset, length)) {
                Object value = Values.unpack(u, length);
                if (!(value instanceof Map)) {
                    throw new IOException("report is not a map");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) value;
                return map;
            }
        }
    }
}
