package dev.taipan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM running one of the test mains (ChildJvmPool, DaemonChildJvm, SocketDirChildJvm)
 * on this test's class path: the way to test what happens when a JVM is SIGKILLed. The mains
 * print {@code PID n} for each process they want watched, then {@code READY}.
 */
public final class ChildJvm {
    private ChildJvm() {
    }

    /** Starts {@code main} with {@code args}; its stderr is discarded, its stdout read by {@link #pidsUntilReady}. */
    public static Process start(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /**
     * The pids the child printed before {@code READY}; an {@code IllegalStateException} if its
     * output ended first (its pool did not start). The stream is left open: closing it could
     * make the child fail on its next print.
     */
    public static List<Long> pidsUntilReady(Process child) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        List<Long> pids = new ArrayList<>();
        String line;
        while ((line = r.readLine()) != null) {
            if (line.equals("READY")) {
                return pids;
            }
            if (line.startsWith("PID ")) {
                pids.add(Long.parseLong(line.substring(4).trim()));
            }
        }
        throw new IllegalStateException("the child JVM " + child.pid() + " ended its output before READY (pids so far "
                + pids + ")");
    }
}
