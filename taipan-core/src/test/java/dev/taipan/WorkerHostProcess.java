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

    WorkerHostProcess(Path dir, String name, String... extra) throws IOException {
        this.name = name;
        Path portFile = dir.resolve(name + ".port");
        this.log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(TestPools.python(), "-m", "taipan_worker.host", "--plain-tcp",
                "--bind", "127.0.0.1", "--port", "0", "--port-file", portFile.toString(), "--name", name,
                "--modules", "taipan_testing.functions"));
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
        return RemoteHost.plainTcpOnLoopback("127.0.0.1", port);
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
