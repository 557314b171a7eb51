package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.protocol.Values;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The JVM's end of a pool's zygote ({@code python -m taipan_worker.zygote}): a warm Python
 * parent that forks workers on request. Requests go to its stdin, reports come from its
 * stdout (framed like the pool protocol, own message types: see the zygote module and
 * docs/PROTOCOL.md). One reader thread applies the reports: fork replies, the workers'
 * output lines (the zygote holds their pipes) and their exit statuses (the zygote is their
 * parent and reaps them; this JVM cannot).
 *
 * <p>If the zygote dies, its workers die with it (each has the parent-death signal), every
 * pending fork fails and every live forked worker's exit completes with an unknown status:
 * the engine then handles them like any lost worker, and the launcher starts a new zygote.
 */
final class Zygote implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Zygote.class);
    /** Reports carry output lines and small maps; anything bigger means a broken channel. */
    private static final int MAX_REPORT_BYTES = 16 * 1024 * 1024;

    private final String poolName;
    private final Process process;
    private final OutputStream control;
    private final OutputPump stderr;
    private final Redactor redactor;
    private final CompletableFuture<Map<String, Object>> ready = new CompletableFuture<>();
    private final Map<String, CompletableFuture<ForkedProcess>> forks = new ConcurrentHashMap<>();
    private final Map<Long, ForkedProcess> children = new ConcurrentHashMap<>();
    private volatile boolean dead;

    /**
     * Takes over a started zygote process, sends it the pool's secrets (its first request: it
     * sets them in {@code os.environ} before importing anything; they are not in its process
     * environment) and starts reading its reports.
     */
    Zygote(PoolConfig config, Process process, Map<String, String> secrets, Redactor redactor, PoolThreads threads) {
        String poolName = config.name();
        this.poolName = poolName;
        this.process = process;
        this.redactor = redactor;
        this.control = process.getOutputStream();
        this.stderr = new OutputPump(process.getErrorStream(), "zygote", "stderr", redactor, new OutputLimiter("zygote"));
        threads.start(poolName + "-zygote-stderr", stderr);
        threads.start(poolName + "-zygote-reader", this::readReports);
        try {
            Map<String, Object> env = new java.util.LinkedHashMap<>();
            env.put("type", "env");
            env.put("env", secrets);
            WorkerLauncher.putLogLevel(env, config); // for every worker it forks
            send(env);
        } catch (IOException e) {
            // It died at once: the reader reports why, and awaitReady fails with that.
            LOG.debug("pool {}: cannot write to the zygote: {}", poolName, e.toString());
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return !dead && process.isAlive();
    }

    /**
     * Waits until the zygote has imported the modules. Returns its {@code ready} report, or
     * throws {@link ZygoteException} (with the zygote's stderr) if it died or took too long.
     */
    Map<String, Object> awaitReady(long millis) {
        try {
            return ready.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ZygoteException("the zygote was not ready within " + millis + " ms");
        } catch (ExecutionException e) {
            throw new ZygoteException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZygoteException("interrupted while waiting for the zygote");
        }
    }

    /** Forks a worker; the zygote answers in milliseconds. */
    ForkedProcess fork(String workerId, String token, long millis) {
        CompletableFuture<ForkedProcess> reply = new CompletableFuture<>();
        forks.put(workerId, reply);
        try {
            send(Map.of("type", "fork", "worker_id", workerId, "token", token));
            return reply.get(millis, TimeUnit.MILLISECONDS);
        } catch (IOException e) {
            throw new ZygoteException("cannot write to the zygote: " + e.getMessage());
        } catch (TimeoutException e) {
            throw new ZygoteException("the zygote did not answer a fork request within " + millis + " ms");
        } catch (ExecutionException e) {
            throw new ZygoteException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZygoteException("interrupted while forking " + workerId);
        } finally {
            forks.remove(workerId);
        }
    }

    private synchronized void send(Map<String, ?> message) throws IOException {
        PipeFrames.write(control, message);
    }

    // ---------------------------------------------------------------- reports

    private void readReports() {
        String why = "its control channel closed";
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 65536))) {
            while (true) {
                Map<String, Object> report = readReport(in);
                if (report == null) {
                    break;
                }
                apply(report);
            }
        } catch (IOException | RuntimeException e) {
            why = "its control channel broke: " + e.getMessage();
        }
        died(why);
    }

    private static Map<String, Object> readReport(DataInputStream in) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        if (length <= 0 || length > MAX_REPORT_BYTES) {
            throw new IOException("bad report length " + length);
        }
        byte[] body = new byte[length];
        in.readFully(body);
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
            Object value = Values.unpack(u, length);
            if (!(value instanceof Map)) {
                throw new IOException("report is not a map");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) value;
            return map;
        }
    }

    private void apply(Map<String, Object> report) {
        Object type = report.get("type");
        if ("output".equals(type)) {
            ForkedProcess child = children.get(number(report, "pid"));
            if (child != null) {
                OutputPump pump = "stdout".equals(report.get("stream")) ? child.stdout : child.stderr;
                List<?> lines = (List<?>) report.get("lines");
                // "more": per piece, whether the line goes on in the next (a long line's pieces).
                List<?> more = report.get("more") instanceof List ? (List<?>) report.get("more") : List.of();
                for (int i = 0; i < lines.size(); i++) {
                    pump.accept(String.valueOf(lines.get(i)), i < more.size() && Boolean.TRUE.equals(more.get(i)));
                }
            }
        } else if ("closed".equals(type)) {
            ForkedProcess child = children.get(number(report, "pid"));
            if (child != null) {
                ("stdout".equals(report.get("stream")) ? child.stdout : child.stderr).end();
            }
        } else if ("exited".equals(type)) {
            ForkedProcess child = children.remove(number(report, "pid"));
            if (child != null) {
                child.exit.complete((int) number(report, "status"));
            }
        } else if ("forked".equals(type)) {
            String id = String.valueOf(report.get("worker_id"));
            long pid = number(report, "pid");
            OutputLimiter limiter = new OutputLimiter(id);
            ForkedProcess child = new ForkedProcess(pid, new OutputPump(id, "stdout", redactor, limiter),
                    new OutputPump(id, "stderr", redactor, limiter));
            children.put(pid, child);
            CompletableFuture<ForkedProcess> reply = forks.get(id);
            if (reply == null || !reply.complete(child)) {
                // Nobody waits for it any more (the request timed out): it must not live on.
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } else if ("fork_failed".equals(type)) {
            CompletableFuture<ForkedProcess> reply = forks.get(String.valueOf(report.get("worker_id")));
            if (reply != null) {
                reply.completeExceptionally(new ZygoteException("fork failed: " + report.get("error")));
            }
        } else if ("ready".equals(type)) {
            ready.complete(report);
        } else {
            throw new IllegalStateException("unknown report type " + type);
        }
    }

    private static long number(Map<String, Object> report, String key) {
        return ((Number) report.get(key)).longValue();
    }

    private void died(String why) {
        dead = true;
        Integer status = null;
        try {
            if (process.waitFor(1, TimeUnit.SECONDS)) {
                status = process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stderr.awaitEnd(500);
        String tail = stderr.tail();
        String message = "the zygote (pid " + process.pid() + ") ended" + (status == null ? "" : " with status "
                + status) + ": " + why + (tail.isEmpty() ? "" : "; its stderr ends: " + lastLine(tail));
        ZygoteException failure = new ZygoteException(message);
        ready.completeExceptionally(failure);
        forks.values().forEach(f -> f.completeExceptionally(failure));
        if (!children.isEmpty()) {
            LOG.warn("pool {}: {}; its {} workers die with it", poolName, message, children.size());
        }
        for (ForkedProcess child : children.values()) {
            // They have the parent-death signal; this is the belt to those braces.
            ProcessHandle.of(child.pid()).ifPresent(ProcessHandle::destroyForcibly);
            child.stdout.end();
            child.stderr.end();
            child.exit.complete(null);
        }
        children.clear();
    }

    private static String lastLine(String text) {
        int nl = text.lastIndexOf('\n');
        return nl < 0 ? text : text.substring(nl + 1);
    }

    /** Ends the zygote: EOF on its stdin, then SIGKILL if it has not exited within {@code millis}. */
    @Override
    public void close() {
        close(1_000);
    }

    void close(long millis) {
        try {
            control.close();
        } catch (IOException e) {
            // Already gone.
        }
        try {
            if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
                killTree();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killTree();
        }
    }

    /**
     * SIGKILL to the whole tree, listed first: the process we started is the zygote's guardian
     * (on Linux), and killing it alone would orphan what lies below it.
     */
    private void killTree() {
        ProcessTrees.kill(ProcessTrees.snapshot(process.toHandle()));
    }

    /** The zygote cannot serve a request; the launcher falls back to spawning. */
    static final class ZygoteException extends RuntimeException {
        ZygoteException(String message) {
            super(message);
        }
    }
}
