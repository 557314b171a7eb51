package dev.taipan.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the peers' Python processes (the floor, Py4J, a process per call) share: ending them, and their stderr. */
final class PeerProcesses {
    private PeerProcesses() {
    }

    /** Kills the process and what it started, and waits (at most 2 s) for it to be gone. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Gives a process that was told to end (its input or connection closed) 2 s to exit, then
     * kills it; interrupted, kills it at once.
     */
    static void exitOrKill(Process p) {
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                kill(p);
            }
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
        }
    }

    /** The end (2,000 characters at most) of a stderr file, for an error message. */
    static String tail(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "(no stderr)" : s.length() > 2000 ? "..." + s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }
}
