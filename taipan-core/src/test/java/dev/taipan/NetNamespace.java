package dev.taipan;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this one by a veth pair, for one test (needs root, as CI has):
 * traffic to {@link #innerAddress()} really crosses a second network stack, and the link can be
 * cut ({@link #linkDown()}) or slowed ({@link #shape(String...)}) from outside. Anything that
 * cannot be set up fails the test (it never skips); {@link #close()} removes everything it
 * made, processes in the namespace included, and runs even if the test failed.
 */
final class NetNamespace implements AutoCloseable {
    final String name;
    private final String outer;
    private final String inner;
    private final String outerAddress;
    private final String innerAddress;

    NetNamespace() throws IOException, InterruptedException {
        SecureRandom random = new SecureRandom();
        String id = HexFormat.of().formatHex(random.generateSeed(3));
        this.name = "taipan-" + id;
        this.outer = "tpo" + id;
        this.inner = "tpi" + id;
        int a = 200 + random.nextInt(50);
        int b = random.nextInt(64) * 4;
        this.outerAddress = "10." + a + "." + random.nextInt(256) + "." + (b + 1);
        this.innerAddress = outerAddress.substring(0, outerAddress.lastIndexOf('.') + 1) + (b + 2);
        try {
            ip("netns", "add", name);
            ip("link", "add", outer, "type", "veth", "peer", "name", inner);
            ip("link", "set", inner, "netns", name);
            ip("addr", "add", outerAddress + "/30", "dev", outer);
            ip("link", "set", outer, "up");
            ip("-n", name, "addr", "add", innerAddress + "/30", "dev", inner);
            ip("-n", name, "link", "set", inner, "up");
            ip("-n", name, "link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The namespace's own address, reached over the veth pair. */
    String innerAddress() {
        return innerAddress;
    }

    /** The words that run a command inside the namespace. */
    List<String> exec() {
        return List.of("ip", "netns", "exec", name);
    }

    /** Cuts the link (this side of the pair down): packets are dropped, nothing is closed. */
    void linkDown() throws IOException, InterruptedException {
        ip("link", "set", outer, "down");
    }

    void linkUp() throws IOException, InterruptedException {
        ip("link", "set", outer, "up");
    }

    /** A queueing discipline on this side of the link, e.g. {@code tbf rate 1mbit burst 16kbit latency 400ms}. */
    void shape(String... qdisc) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", outer, "root"));
        cmd.addAll(List.of(qdisc));
        run(cmd);
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed (network namespaces need root): " + out);
        }
    }

    /** Ends the namespace's processes, then removes the veth pair and the namespace; best effort, never throws. */
    @Override
    public void close() {
        try {
            Process pids = new ProcessBuilder("ip", "netns", "pids", name).redirectErrorStream(true).start();
            for (String line : new String(pids.getInputStream().readAllBytes()).split("\\s+")) {
                if (line.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            pids.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // go on removing
        }
        for (List<String> cmd : List.of(List.of("ip", "link", "del", outer), List.of("ip", "netns", "del", name))) {
            try {
                new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                // best effort
            }
        }
    }
}
