package dev.taipan.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a benchmark ran on, as every report states it: cores, CPU model, OS, Java and the
 * workers' Python. Figures from different machines are not comparable, so each report says
 * which one made them (in its table's header and its JSON's {@code machine}).
 */
record Machine(int cores, String os, String cpu, String java, String python) {
    /** This machine and JVM, with the Python version the workers reported. */
    static Machine describe(String python) {
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch");
        String java = System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ")";
        return new Machine(Runtime.getRuntime().availableProcessors(), os, cpuModel(), java, python);
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", cores);
        m.put("cpu", cpu);
        m.put("os", os);
        m.put("java", java);
        m.put("python", python);
        return m;
    }

    /** The {@code machine}, {@code java} and {@code python} lines of a report's table header. */
    void printHeader(PrintStream out) {
        printHeader(out, "", "");
    }

    /**
     * As {@link #printHeader(PrintStream)}, with {@code machineNote} after the machine (the load
     * average, say) and {@code pythonNote} after the Python version (what the workers import).
     */
    void printHeader(PrintStream out, String machineNote, String pythonNote) {
        out.printf(Locale.ROOT, "machine : %d cores, %s, %s%s%n", cores, cpu, os, machineNote);
        out.printf(Locale.ROOT, "java    : %s%n", java);
        out.printf(Locale.ROOT, "python  : %s%s%n", python, pythonNote);
    }
}
