package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.RemoteHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Workers on worker hosts ({@link RemoteHost}), and on this machine too when the pool mixes
 * them ({@link PoolConfig#localWorkers()}): each new worker goes to the place with the fewest
 * of the pool's workers among those that may take one now (a host whose link is down waits out
 * its back-off; while every host does, the start fails at once and the supervisor backs off).
 *
 * <p>A remote start: the {@link HostLink} asks the host to fork the worker and learns its port;
 * then the pool connects straight to the worker over TCP and sends {@code auth} with the
 * worker's fresh token (the worker listens, and trusts no connection before it), and from there
 * the connection is like a local worker's: a {@link Connection} over a {@link SocketTransport},
 * heartbeats, calls, sessions, the same code. The local path is not touched: local workers come
 * from a {@link LocalWorkerSource} as in a pool without hosts.
 */
final class RemoteWorkerSource implements WorkerSource {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteWorkerSource.class);

    private final PoolConfig config;
    private final List<HostLink> links = new ArrayList<>();
    private final LocalWorkerSource local;
    private final AtomicInteger localLive = new AtomicInteger();
    private final ExecutorService starter;
    private final SecureRandom random = new SecureRandom();

    RemoteWorkerSource(SourceContext context) throws IOException {
        this.config = context.config();
        long connectMillis = Math.max(1_000, Math.min(10_000, config.startTimeout().toMillis() / 2));
        for (RemoteHost h : config.remoteHosts()) {
            links.add(new HostLink(h, config, context.runId(), context.redactor(), context.threads(),
                    new HostTransports(h, connectMillis)));
        }
        this.local = config.localWorkers() ? new LocalWorkerSource(context) : null;
        AtomicLong n = new AtomicLong();
        this.starter = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, config.name() + "-remote-start-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Launch launch(Worker w) {
        HostLink link = place();
        if (link == null) {
            localLive.incrementAndGet();
            Launch launch = local.launch(w);
            launch.process().whenComplete((p, e) -> {
                if (e != null) {
                    localLive.decrementAndGet();
                } else {
                    p.onExit().whenComplete((s, x) -> localLive.decrementAndGet());
                }
            });
            return launch;
        }
        w.host = link.name;
        String token = newToken();
        CompletableFuture<WorkerProcess> process = new CompletableFuture<>();
        link.placed.incrementAndGet();
        process.whenComplete((p, e) -> {
            if (e != null) {
                link.placed.decrementAndGet();
            } else {
                p.onExit().whenComplete((s, x) -> link.placed.decrementAndGet());
            }
        });
        CompletableFuture<Connection> connection = new CompletableFuture<>();
        try {
            starter.execute(() -> start(link, w, token, process, connection));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            process.completeExceptionally(e); // closing
        }
        return new Launch(process, connection);
    }

    /** The host for the next worker, or null for this machine. */
    private HostLink place() {
        HostLink best = null;
        int bestLive = Integer.MAX_VALUE;
        for (HostLink l : links) {
            int live = l.placed.get();
            if (l.available() && live < bestLive) {
                best = l;
                bestLive = live;
            }
        }
        if (local != null && (best == null || localLive.get() <= bestLive)) {
            return null;
        }
        if (best == null) {
            // Every host is backing off: the first one's start fails at once, saying why.
            best = links.get(0);
        }
        return best;
    }

    private void start(HostLink link, Worker w, String token, CompletableFuture<WorkerProcess> process,
                       CompletableFuture<Connection> connection) {
        RemoteProcess p;
        try {
            p = link.start(w.id, token, Math.max(1_000, config.startTimeout().toMillis() / 2));
        } catch (IOException | RuntimeException e) {
            connection.cancel(false);
            process.completeExceptionally(e);
            return;
        }
        p.stdout.onFailure(w::outputFailed);
        p.stderr.onFailure(w::outputFailed);
        w.stdout = p.stdout;
        w.stderr = p.stderr;
        w.process = p;
        LOG.info("pool {} worker {} stage=started host={} pid={} port={} in {} ms", config.name(), w.id, link.name,
                p.pid(), p.port, (System.nanoTime() - w.startNanos) / 1_000_000);
        process.complete(p);
        try {
            Connection c = connect(link, p.port, w.id, token);
            if (!connection.complete(c)) {
                c.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("pool {} worker {}: cannot connect to it on host {} port {}: {}; ending it", config.name(), w.id,
                    link.name, p.port, e.toString());
            connection.completeExceptionally(e);
            p.kill();
        }
    }

    /** Connects to a worker that listens and proves to it that this is its pool (the token). */
    private Connection connect(HostLink link, int port, String workerId, String token) throws IOException {
        Transport t = link.transports.connect(port);
        try {
            Map<String, Object> auth = new LinkedHashMap<>();
            auth.put("v", 1L);
            auth.put("type", "auth");
            auth.put("worker_id", workerId);
            auth.put("token", token);
            HostTransports.writeFully(t, HostTransports.frame(auth), config.startTimeout().toMillis());
            return new Connection(t, config.maxFrameBytes());
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private String newToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void close() {
        starter.shutdownNow();
        for (HostLink l : links) {
            l.close();
        }
        if (local != null) {
            local.close();
        }
    }
}
