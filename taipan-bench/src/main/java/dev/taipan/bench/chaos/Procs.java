package dev.taipan.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Reads process figures from /proc (Linux). Missing values are -1. */
final class Procs {
    private Procs() {
    }

    /** Whether a process is gone, or a zombie (state Z), which runs no code. */
    static boolean isGone(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return true;
        }
    }

    /** A field of /proc/PID/status in kB converted to bytes, or the raw number (e.g. Threads). */
    static long statusField(String pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    long v = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? v * 1024 : v;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static long rssBytes(long pid) {
        return statusField(Long.toString(pid), "VmRSS");
    }

    static long selfRssBytes() {
        return statusField("self", "VmRSS");
    }

    /** Native threads of this JVM (all of them, not only Java threads). */
    static long selfThreads() {
        return statusField("self", "Threads");
    }

    static long selfOpenFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Sends SIGKILL (destroyForcibly is SIGKILL on Linux); false if the process was gone. */
    static boolean sigkill(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
    }

    static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
