package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.StartMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Starts worker processes: forked from the pool's {@link Zygote} in {@link StartMode#ZYGOTE},
 * spawned otherwise (and whenever the zygote cannot serve). Every process, the zygote
 * included, is started from one long-lived thread per pool: on Linux a process's
 * parent-death signal fires when the <em>thread</em> that forked it exits, so starting from
 * short-lived threads would kill healthy workers.
 */
final class WorkerLauncher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerLauncher.class);
    /** Zygotes that die or never become ready, in a row, before the pool gives up on forking. */
    private static final int MAX_ZYGOTE_FAILURES = 2;

    private final PoolConfig config;
    /** The command that runs Python: an interpreter, or a launcher ({@code uv run python}) and its words. */
    private final List<String> python;
    private final String runId;
    private final Path socketPath;
    private final PoolThreads threads;
    private final ExecutorService spawner;
    private final SecureRandom random = new SecureRandom();
    private final Redactor redactor;
    /** The secret variables: sent over a pipe, never put in a process's environment (other processes may read it). */
    private final Map<String, String> secrets;
    // Touched only on the spawner thread (and by close()).
    private volatile Zygote zygote;
    private int zygoteFailures;
    private volatile boolean forking;
    private volatile boolean closed;

    WorkerLauncher(PoolConfig config, List<String> python, String runId, Path socketPath, PoolThreads threads,
                   Redactor redactor) {
        this.config = config;
        this.python = List.copyOf(python);
        this.redactor = redactor;
        Map<String, String> s = new LinkedHashMap<>();
        for (String name : config.secretNames()) {
            s.put(name, config.environment().get(name));
        }
        this.secrets = Collections.unmodifiableMap(s);
        this.runId = runId;
        this.socketPath = socketPath;
        this.threads = threads;
        this.forking = config.startMode() == StartMode.ZYGOTE;
        this.spawner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, config.name() + "-spawner");
            t.setDaemon(true);
            return t;
        });
    }

    /** A fresh per-worker secret: 32 random bytes, hex. */
    String newToken() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The worker's command line ({@code workerId} null: the zygote's). */
    List<String> command(String workerId) {
        List<String> cmd = new ArrayList<>(python);
        cmd.add("-m");
        cmd.add(workerId == null ? "taipan_worker.zygote" : "taipan_worker");
        cmd.add("--socket");
        cmd.add(socketPath.toString());
        if (workerId != null) {
            cmd.add("--worker-id");
            cmd.add(workerId);
        }
        cmd.add("--slots");
        cmd.add(Integer.toString(config.slots()));
        cmd.add("--max-frame-bytes");
        cmd.add(Integer.toString(config.maxFrameBytes()));
        cmd.add("--pool-name");
        cmd.add(config.name());
        cmd.add("--run-id");
        cmd.add(runId);
        cmd.add("--parent-pid");
        cmd.add(Long.toString(ProcessHandle.current().pid()));
        if (!config.modules().isEmpty()) {
            cmd.add("--modules");
            cmd.add(String.join(",", config.modules()));
        }
        return cmd;
    }

    /** Whether workers are being forked from a zygote (false once the pool fell back to spawning). */
    boolean forking() {
        return forking;
    }

    CompletableFuture<WorkerProcess> launch(Worker w, String token) {
        return CompletableFuture.supplyAsync(() -> {
            WorkerProcess p = forking ? fork(w, token) : null;
            if (p == null) {
                p = spawn(w, token);
            }
            LOG.info("pool {} worker {} stage={} pid={} in {} ms", config.name(), w.id,
                    p instanceof ForkedProcess ? "forked" : "spawned", p.pid(),
                    (System.nanoTime() - w.startNanos) / 1_000_000);
            return p;
        }, spawner);
    }

    private WorkerProcess fork(Worker w, String token) {
        Zygote z = readyZygote(w);
        if (z == null) {
            return null;
        }
        try {
            ForkedProcess p = z.fork(w.id, token, Math.max(1_000, config.startTimeout().toMillis() / 4));
            w.process = p;
            p.stdout.onFailure(w::outputFailed);
            p.stderr.onFailure(w::outputFailed);
            w.stdout = p.stdout;
            w.stderr = p.stderr;
            zygoteFailures = 0;
            return p;
        } catch (Zygote.ZygoteException e) {
            zygoteFailed(z, e);
            return null;
        }
    }

    /** The live zygote, started if need be; null if the pool is spawning instead. */
    private Zygote readyZygote(Worker w) {
        Zygote z = zygote;
        if (z != null && z.isAlive()) {
            return z;
        }
        if (z != null) {
            zygote = null;
            z.close(0);
        }
        try {
            z = new Zygote(config, start(command(null), null), secrets, redactor, threads);
        } catch (java.io.UncheckedIOException e) {
            forking = false;
            LOG.warn("pool {}: cannot start the zygote ({}); spawning workers instead", config.name(), e.getMessage());
            return null;
        }
        zygote = z;
        long left = config.startTimeout().toMillis() - (System.nanoTime() - w.startNanos) / 1_000_000;
        try {
            Map<String, Object> ready = z.awaitReady(Math.max(left, 1));
            long threadCount = ((Number) ready.get("threads")).longValue();
            if (threadCount > 1) {
                forking = false;
                zygote = null;
                z.close(0);
                LOG.warn("pool {}: importing {} started {} threads in the zygote, and forking would copy their "
                        + "locks mid-use; spawning workers instead", config.name(), config.modules(), threadCount - 1);
                return null;
            }
            LOG.info("pool {} zygote pid={} ready: imported {} in {} ms", config.name(), ready.get("pid"),
                    ready.get("imported"), ready.get("ms"));
            if (closed) {
                z.close(0); // close() ran while it started: it must not outlive the pool
            }
            return z;
        } catch (Zygote.ZygoteException e) {
            zygoteFailed(z, e);
            return null;
        }
    }

    private void zygoteFailed(Zygote z, RuntimeException e) {
        if (zygote == z) {
            zygote = null;
        }
        z.close(0);
        if (++zygoteFailures >= MAX_ZYGOTE_FAILURES) {
            forking = false;
            LOG.warn("pool {}: {}; {} zygotes failed in a row: spawning workers from now on", config.name(),
                    e.getMessage(), zygoteFailures);
        } else {
            LOG.warn("pool {}: {}; spawning this worker, and starting a new zygote for the next", config.name(),
                    e.getMessage());
        }
    }

    private WorkerProcess spawn(Worker w, String token) {
        Process p = start(command(w.id), token);
        SpawnedProcess sp = new SpawnedProcess(p);
        w.process = sp;
        OutputLimiter limiter = new OutputLimiter(w.id);
        OutputPump out = new OutputPump(p.getInputStream(), w.id, "stdout", redactor, limiter);
        OutputPump err = new OutputPump(p.getErrorStream(), w.id, "stderr", redactor, limiter);
        out.onFailure(w::outputFailed);
        err.onFailure(w::outputFailed);
        w.stdout = out;
        w.stderr = err;
        threads.start(w.id + "-stdout", out);
        threads.start(w.id + "-stderr", err);
        return sp;
    }

    /**
     * Starts a worker ({@code token} set) or the zygote ({@code token} null; its stdin is the
     * control channel). Neither the token nor any secret is put in the process's environment,
     * which any process of the same user can read in /proc/PID/environ for the process's whole
     * life: a worker reads them from a {@code start} frame on its stdin, which is then closed
     * (the zygote gets the secrets in its first control request, and each token in a fork request).
     */
    private Process start(List<String> command, String token) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.putAll(config.environment());
        // Also when this JVM's own environment has a variable of that name (System.getenv passed on).
        env.keySet().removeAll(secrets.keySet());
        env.put("PYTHONUNBUFFERED", "1");
        if (!config.pythonPath().isEmpty()) {
            String extra = config.pythonPath().stream().map(p -> p.toAbsolutePath().toString())
                    .collect(Collectors.joining(File.pathSeparator));
            String existing = env.get("PYTHONPATH");
            env.put("PYTHONPATH", existing == null || existing.isEmpty() ? extra
                    : extra + File.pathSeparator + existing);
        }
        if (config.workingDirectory() != null) {
            pb.directory(config.workingDirectory().toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot run " + String.join(" ", python) + ": " + e.getMessage(), e);
        }
        if (token != null) {
            // A few hundred bytes: the pipe takes them at once, whether or not the worker reads yet.
            try (OutputStream stdin = p.getOutputStream()) {
                Map<String, Object> start = new LinkedHashMap<>();
                start.put("type", "start");
                start.put("token", token);
                start.put("env", secrets);
                putLogLevel(start, config);
                PipeFrames.write(stdin, start);
            } catch (java.io.IOException e) {
                // It died at once: its exit status and stderr say why.
                LOG.debug("pool {}: cannot write to a new worker's stdin: {}", config.name(), e.toString());
            }
        }
        return p;
    }

    /**
     * Asks the worker for its Python logging records from the pool's level on (docs/PROTOCOL.md,
     * {@code log}); without the key (OFF, or an older pool) a worker sends none.
     */
    static void putLogLevel(Map<String, Object> request, PoolConfig config) {
        if (config.workerLogLevel() != dev.taipan.WorkerLogLevel.OFF) {
            request.put("log_level", config.workerLogLevel().pythonLevel());
        }
    }

    /** Stops starting processes and ends the zygote (its remaining workers die with it). */
    @Override
    public void close() {
        closed = true;
        spawner.shutdownNow();
        Zygote z = zygote;
        if (z != null) {
            z.close();
        }
    }
}
