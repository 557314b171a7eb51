package dev.taipan;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a pool and a worker host's control port that can be made to drop every
 * byte without closing anything, as a partition does: neither end hears of it but by silence.
 * Threads of its own, ended by {@link #close()}.
 */
final class ControlProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean partitioned;

    ControlProxy(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "control-proxy");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void partition(boolean on) {
        partitioned = on;
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket in = server.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[65536];
            try {
                // Not try-with-resources: closing a socket's stream closes the socket.
                InputStream i = from.getInputStream();
                OutputStream o = to.getOutputStream();
                int n;
                while ((n = i.read(buf)) >= 0) {
                    if (!partitioned) {
                        o.write(buf, 0, n);
                        o.flush();
                    }
                }
            } catch (IOException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                if (!partitioned) {
                    closeQuietly(to); // across a partition, not even a close gets through
                }
            }
        }, "control-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed either way
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(ControlProxy::closeQuietly);
    }
}
