package dev.taipan.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/** What every benchmark shares: the checks it starts with, and printing its report. */
final class BenchReports {
    /** A benchmark's result: a JSON object, or a table for people. */
    interface Report {
        Map<String, Object> toJson();

        void printTable(PrintStream out);

        /**
         * Writes the report's PNG charts into {@code dir} (see {@link Charts}) and returns the
         * files; none by default.
         */
        default List<Path> writeCharts(Path dir) throws IOException {
            return List.of();
        }
    }

    private BenchReports() {
    }

    /**
     * The checks a benchmark's {@code run} starts with: {@code out} must not be null, and
     * {@code python} must be given; if it is not, says so on stderr and returns false (exit code 1).
     */
    static boolean canRun(String name, String python, PrintStream out) {
        Objects.requireNonNull(out, "out");
        if (python == null || python.isBlank()) {
            System.err.println("taipan bench " + name + ": no Python executable given");
            return false;
        }
        return true;
    }

    /** Whether to make the short run: {@code quick}, or {@code TAIPAN_BENCH_QUICK=1}. */
    static boolean quick(boolean quick) {
        return quick || "1".equals(System.getenv("TAIPAN_BENCH_QUICK"));
    }

    /** Runs a benchmark and prints its report; returns the exit code (1 if it could not run). */
    static int runAndPrint(String name, Callable<? extends Report> benchmark, boolean json, PrintStream out) {
        return runAndPrint(name, benchmark, json, null, out);
    }

    /**
     * Runs a benchmark, prints its report and, if {@code plotDir} is not null, writes its charts
     * there (their paths go to stderr); returns the exit code (1 if it could not run or the
     * charts could not be written).
     */
    static int runAndPrint(String name, Callable<? extends Report> benchmark, boolean json, Path plotDir,
                           PrintStream out) {
        try {
            Report report = benchmark.call();
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(report.toJson()));
            } else {
                report.printTable(out);
            }
            out.flush();
            if (plotDir != null) {
                for (Path chart : report.writeCharts(plotDir)) {
                    System.err.println("taipan bench " + name + ": wrote " + chart);
                }
            }
            return 0;
        } catch (Exception e) {
            System.err.println("taipan bench " + name + " failed: " + e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return 1;
        }
    }
}
