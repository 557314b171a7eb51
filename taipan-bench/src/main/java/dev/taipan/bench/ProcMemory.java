package dev.taipan.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Memory of a Linux process from {@code /proc}: proportional set size (PSS), resident set size
 * (RSS) and private (unshared) memory.
 *
 * <p>PSS counts every resident page divided by the number of processes mapping it, so the PSS
 * of a set of processes adds up to the memory they really use together; RSS counts shared
 * pages in full in every process. Read from {@code /proc/<pid>/smaps_rollup} (Linux 4.14+,
 * one summary), else by summing the per-mapping lines of {@code /proc/<pid>/smaps}.
 */
final class ProcMemory {
    private ProcMemory() {
    }

    /**
     * One process's memory, in KiB.
     *
     * @param pssKb     proportional set size ({@code Pss:})
     * @param rssKb     resident set size ({@code Rss:})
     * @param privateKb pages only this process maps ({@code Private_Clean + Private_Dirty}, the USS)
     * @param source    {@code smaps_rollup} or {@code smaps}
     */
    record Usage(long pssKb, long rssKb, long privateKb, String source) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pss_mb", mb(pssKb));
            m.put("rss_mb", mb(rssKb));
            m.put("private_mb", mb(privateKb));
            return m;
        }
    }

    static double mb(long kb) {
        return OverheadBenchmark.round1(kb / 1024.0);
    }

    /**
     * Reads the memory of {@code pid}.
     *
     * @throws IOException if the process is gone or its maps cannot be read (another user's
     *                     process, or no {@code /proc})
     */
    static Usage read(long pid) throws IOException {
        Path dir = Path.of("/proc", Long.toString(pid));
        Path rollup = dir.resolve("smaps_rollup");
        try {
            return sum(rollup, "smaps_rollup");
        } catch (NoSuchFileException e) {
            if (!Files.isDirectory(dir)) {
                throw e; // the process is gone
            }
            return sum(dir.resolve("smaps"), "smaps"); // a kernel before 4.14
        }
    }

    /** Sums the {@code Pss:}, {@code Rss:} and {@code Private_*:} lines of an smaps file. */
    private static Usage sum(Path file, String source) throws IOException {
        long pss = 0;
        long rss = 0;
        long priv = 0;
        boolean any = false;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("Pss:")) {
                    pss += kb(line);
                    any = true;
                } else if (line.startsWith("Rss:")) {
                    rss += kb(line);
                } else if (line.startsWith("Private_Clean:") || line.startsWith("Private_Dirty:")) {
                    priv += kb(line);
                }
            }
        }
        if (!any) {
            // An empty file: a zombie, or a kernel thread.
            throw new IOException("no Pss lines in " + file);
        }
        return new Usage(pss, rss, priv, source);
    }

    /** {@code "Pss:                 266 kB"} -> 266. */
    static long kb(String line) {
        int colon = line.indexOf(':');
        String v = line.substring(colon + 1).strip();
        int space = v.indexOf(' ');
        return Long.parseLong(space < 0 ? v : v.substring(0, space));
    }
}
