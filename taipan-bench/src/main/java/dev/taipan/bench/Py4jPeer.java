package dev.taipan.bench;

import py4j.ClientServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

import javax.net.SocketFactory;

/**
 * A benchmark peer: a Java caller invoking a Python object through Py4J, the standard way for
 * a Java application to call Python with Py4J when Java drives.
 *
 * <p>Java side: a Py4J {@link ClientServer} (pinned-thread mode: each Java thread that calls
 * Python gets its own socket to the Python side and its own Python thread there) on loopback
 * with a random auth token, its sockets to Python with {@code TCP_NODELAY} (see
 * {@link NoDelaySocketFactory}). Python side: {@code python -m taipan_testing.py4j_echo}, a Py4J
 * {@code ClientServer} whose Python server entry point is an object implementing the Java
 * interface {@link Py4jEcho}. Java gets a proxy with
 * {@link ClientServer#getPythonServerEntryPoint(Class[])} and calls {@link #echo}; the call is a
 * Py4J text-protocol round trip over TCP, arguments and the result converted by Py4J
 * ({@code byte[]} by value, base64-encoded on the wire; Python receives {@code bytes}).
 *
 * <p>The proxy is thread-safe. {@link #close} ends the Python process (its stdin reaches EOF,
 * it shuts Py4J down and exits; killed if still alive after 2 s) and the Java side's server.
 */
public final class Py4jPeer implements AutoCloseable {
    static final String MODULE = "taipan_testing.py4j_echo";
    static final String TOKEN_ENV = "TAIPAN_PY4J_AUTH_TOKEN";
    /** net.sf.py4j:py4j in taipan-bench/pom.xml, and py4j in the "bench" extra of python/pyproject.toml. */
    static final String VERSION = "0.10.9.9";

    private final ClientServer clientServer;
    private final Process process;
    private final Path stderr;
    private final Py4jEcho echo;

    private Py4jPeer(ClientServer clientServer, Process process, Path stderr, Py4jEcho echo) {
        this.clientServer = clientServer;
        this.process = process;
        this.stderr = stderr;
        this.echo = echo;
    }

    /**
     * Starts the Python side with {@code python} and connects to it; fails (with the Python
     * side's stderr) if it does not answer an {@code echo(1)} within {@code timeout}.
     */
    public static Py4jPeer start(String python, Duration timeout) throws IOException, InterruptedException {
        Objects.requireNonNull(python, "python");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        String token = HexFormat.of().formatHex(randomBytes(24));
        // Py4J's Java side must know the Python port when it is built; Python must know the Java
        // port. The Java server takes an ephemeral port; the Python one is picked free just before.
        int pythonPort = freePort(loopback);
        ClientServer cs = new ClientServer.ClientServerBuilder()
                .javaPort(0).javaAddress(loopback)
                .pythonPort(pythonPort).pythonAddress(loopback)
                .socketFactory(new NoDelaySocketFactory())
                .authToken(token)
                .build();
        Process p = null;
        Path err = Files.createTempFile("taipan-bench-py4j-", ".stderr");
        try {
            int javaPort = cs.getJavaServer().getListeningPort();
            ProcessBuilder pb = new ProcessBuilder(python, "-m", MODULE, "--java-port", String.valueOf(javaPort),
                    "--python-port", String.valueOf(pythonPort));
            pb.environment().put(TOKEN_ENV, token);
            pb.redirectError(err.toFile());
            p = pb.start();
            awaitReady(p, err, timeout);
            Py4jEcho proxy = (Py4jEcho) cs.getPythonServerEntryPoint(new Class<?>[]{Py4jEcho.class});
            Object one = proxy.echo(1);
            if (!Integer.valueOf(1).equals(one)) {
                throw new IOException("the Py4J peer answered echo(1) with " + one);
            }
            return new Py4jPeer(cs, p, err, proxy);
        } catch (IOException | InterruptedException | RuntimeException e) {
            cs.shutdown();
            if (p != null) {
                PeerProcesses.kill(p);
                if (!(e instanceof InterruptedException)) {
                    String tail = PeerProcesses.tail(err);
                    Files.deleteIfExists(err);
                    throw new IOException("the Py4J peer (python -m " + MODULE + ") failed: " + e.getMessage()
                            + "; its stderr: " + tail, e);
                }
            }
            Files.deleteIfExists(err);
            throw e;
        }
    }

    /** Waits for the {@code ready} line on the process's stdout. */
    private static void awaitReady(Process p, Path err, Duration timeout) throws IOException, InterruptedException {
        InputStream out = p.getInputStream();
        StringBuilder line = new StringBuilder();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            while (out.available() > 0) {
                int c = out.read();
                if (c < 0 || c == '\n') {
                    if (line.toString().strip().equals("ready")) {
                        return;
                    }
                    throw new IOException("unexpected output " + line + " instead of 'ready'");
                }
                line.append((char) c);
            }
            if (!p.isAlive()) {
                throw new IOException("exited with status " + p.exitValue() + " before it was ready");
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("not ready within " + timeout.toMillis() + " ms");
            }
            Thread.sleep(5);
        }
    }

    /**
     * Py4J's own Java-to-Python sockets with {@code TCP_NODELAY}, through its documented
     * {@code socketFactory} hook. Py4J never sets it, and its Java side writes a command through
     * an 8 KiB {@code BufferedWriter}: a command longer than that goes out in several writes, and
     * Nagle's algorithm holds the last one until the Python side's delayed ACK, about 40 ms
     * (quick run: a 10 kB {@code byte[]} took 44 ms per call). Setting it measures Py4J's protocol,
     * not that interaction. The Python side answers with one {@code sendall}, which Nagle does not delay.
     */
    static final class NoDelaySocketFactory extends SocketFactory {
        private final SocketFactory plain = SocketFactory.getDefault();

        private static Socket noDelay(Socket s) throws IOException {
            s.setTcpNoDelay(true);
            return s;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(plain.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(plain.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(plain.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(plain.createSocket(address, port, localAddress, localPort));
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static int freePort(InetAddress address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }

    /** One synchronous call of the Python object's {@code echo}; returns what Python returned. */
    public Object echo(Object value) {
        return echo.echo(value);
    }

    /** The Python process's pid. */
    public long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // Closed either way: the Python side sees EOF.
        }
        PeerProcesses.exitOrKill(process);
        clientServer.shutdown();
        try {
            Files.deleteIfExists(stderr);
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    @Override
    public String toString() {
        return "Py4jPeer[python -m " + MODULE + ", pid " + process.pid() + "]";
    }
}
