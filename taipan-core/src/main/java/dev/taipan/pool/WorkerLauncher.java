package dev.taipan.pool;

import dev.taipan.PoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * Starts worker processes. Every process is spawned from one long-lived thread per pool:
 * on Linux a worker's parent-death signal fires when the <em>thread</em> that forked it
 * exits, so spawning from short-lived threads would kill healthy workers.
 */
final class WorkerLauncher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerLauncher.class);

    private final PoolConfig config;
    private final String runId;
    private final Path socketPath;
    private final PoolThreads threads;
    private final ExecutorService spawner;
    private final SecureRandom random = new SecureRandom();
    private final Redactor redactor;

    WorkerLauncher(PoolConfig config, String runId, Path socketPath, PoolThreads threads, Redactor redactor) {
        this.config = config;
        this.redactor = redactor;
        this.runId = runId;
        this.socketPath = socketPath;
        this.threads = threads;
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

    List<String> command(String workerId) {
        List<String> cmd = new ArrayList<>();
        cmd.add(config.python());
        cmd.add("-m");
        cmd.add("taipan_worker");
        cmd.add("--socket");
        cmd.add(socketPath.toString());
        cmd.add("--worker-id");
        cmd.add(workerId);
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

    CompletableFuture<Process> launch(Worker w, String token) {
        return CompletableFuture.supplyAsync(() -> {
            ProcessBuilder pb = new ProcessBuilder(command(w.id));
            Map<String, String> env = pb.environment();
            env.putAll(config.environment());
            env.put("TAIPAN_WORKER_TOKEN", token);
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
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p;
            try {
                p = pb.start();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot run " + config.python() + ": " + e.getMessage(), e);
            }
            w.process = p;
            OutputPump out = new OutputPump(p.getInputStream(), w.id, "stdout", redactor);
            OutputPump err = new OutputPump(p.getErrorStream(), w.id, "stderr", redactor);
            w.stdout = out;
            w.stderr = err;
            threads.start(w.id + "-stdout", out);
            threads.start(w.id + "-stderr", err);
            LOG.info("pool {} worker {} stage=spawned pid={} in {} ms", config.name(), w.id, p.pid(),
                    (System.nanoTime() - w.startNanos) / 1_000_000);
            return p;
        }, spawner);
    }

    @Override
    public void close() {
        spawner.shutdownNow();
    }
}
