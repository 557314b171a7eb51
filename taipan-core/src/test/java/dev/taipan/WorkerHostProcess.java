package dev.taipan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real worker host ({@code python -m taipan_worker.host}) on loopback, plain TCP, for one
 * test: started with its own port file and log file, and ended (with every process below it)
 * by {@link #close()}.
 */
final class WorkerHostProcess implements AutoCloseable {
    final String name;
    final Process process;
    final int port;
    final Path log;

    final String bind;

    WorkerHostProcess(Path dir, String name, String... extra) throws IOException {
        this(dir, name, List.of(), "127.0.0.1", null, extra);
    }

    /**
     * A host run as {@code prefix} + its command line ({@code ip netns exec NS}: in a network
     * namespace), listening on {@code bind}, over TLS with the certificates of
     * {@code tools/make-test-ca.sh} in {@code certs} (null: plain TCP, loopback).
     */
    WorkerHostProcess(Path dir, String name, List<String> prefix, String bind, Path certs, String... extra)
            throws IOException {
        this.name = name;
        this.bind = bind;
        Path portFile = dir.resolve(name + ".port");
        this.log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(TestPools.python(), "-m", "taipan_worker.host", "--bind", bind, "--port", "0",
                "--port-file", portFile.toString(), "--name", name, "--modules", "taipan_testing.functions"));
        if (certs == null) {
            cmd.add("--plain-tcp");
        } else {
            cmd.addAll(List.of("--tls-cert", certs.resolve("host.pem").toString(), "--tls-key",
                    certs.resolve("host-key.pem").toString(), "--tls-ca", certs.resolve("ca.pem").toString()));
        }
        cmd.addAll(List.of(extra));
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!TestPools.eventually(Duration.ofSeconds(30), () -> Files.exists(portFile) || !process.isAlive())
                || !process.isAlive()) {
            String out = Files.exists(log) ? Files.readString(log) : "";
            close();
            throw new IllegalStateException("the worker host did not start: " + out);
        }
        this.port = Integer.parseInt(Files.readString(portFile).trim());
    }

    RemoteHost remoteHost() {
        return RemoteHost.plainTcpOnLoopback(bind, port);
    }

    /** This host over TLS, the pool presenting {@code client}'s certificate ({@code client} or {@code other-client}). */
    RemoteHost tlsHost(Path certs, String client) {
        return RemoteHost.tls(bind, port, tlsConfig(certs, client));
    }

    /** Makes a test CA and certificates in {@code dir} (the host's also naming {@code names}). */
    static Path makeCerts(Path dir, String... names) throws IOException, InterruptedException {
        Path certs = dir.resolve("certs");
        List<String> cmd = new ArrayList<>(List.of("bash", TestPools.repo().resolve("tools/make-test-ca.sh").toString(),
                certs.toString()));
        cmd.addAll(List.of(names));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("make-test-ca.sh failed: " + out);
        }
        return certs;
    }

    static TlsConfig tlsConfig(Path certs, String client) {
        return TlsConfig.builder().certificateChain(certs.resolve(client + ".pem"))
                .privateKey(certs.resolve(client + "-key.pem")).trustedCertificates(certs.resolve("ca.pem")).build();
    }

    /** Starts a pool on this host; if it cannot start, the failure carries the host's log. */
    TaipanPool startPool(PoolConfig config) {
        try {
            return TaipanPool.start(config);
        } catch (PoolStartException e) {
            throw new AssertionError(e.getMessage() + "\n--- host log ---\n" + log(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** The host's pids of its live workers (its children; the host is the workers' parent). */
    List<Long> workerPids() {
        return process.toHandle().children().map(ProcessHandle::pid).toList();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** SIGKILL to the host alone, as a crash would: its workers die of their parent-death signal. */
    void kill() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        List<ProcessHandle> tree = new ArrayList<>(process.toHandle().descendants().toList());
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
