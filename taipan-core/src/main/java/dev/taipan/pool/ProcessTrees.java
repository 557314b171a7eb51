package dev.taipan.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * Ending a worker means ending everything it started. Descendants are listed before the
 * worker is killed: once it is gone they are re-parented and no longer found from it.
 */
final class ProcessTrees {
    private ProcessTrees() {
    }

    /** The process and all its current descendants, deepest first. */
    static List<ProcessHandle> snapshot(ProcessHandle p) {
        List<ProcessHandle> all = new ArrayList<>();
        p.descendants().forEach(all::add);
        java.util.Collections.reverse(all);
        all.add(p);
        return all;
    }

    /** SIGKILL to every process of a {@link #snapshot}, the process itself first. */
    static void kill(List<ProcessHandle> tree) {
        if (!tree.isEmpty()) {
            killIfAlive(tree.get(tree.size() - 1));
        }
        tree.forEach(ProcessTrees::killIfAlive);
    }

    static void killIfAlive(ProcessHandle h) {
        if (h.isAlive()) {
            h.destroyForcibly();
        }
    }

    /** Resident memory of a process from /proc (Linux), or -1 when unknown. */
    static long rssBytes(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not Linux, or the process is gone.
        }
        return -1;
    }
}
