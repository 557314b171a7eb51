package dev.taipan.cli;

import dev.taipan.PoolStats;

/**
 * How both demos ({@code taipan demo} and {@code taipan demo pool}) report: narrative lines as
 * they go, then a {@code summary} of rows whose values line up in one column, and the verdict
 * line ({@code demo OK} or {@code demo FAILED}) that people, tests and CI look for. One printer,
 * so that the two demos' summaries read alike and a change of layout is made once.
 */
final class DemoReport {
    /** Summary labels are padded to this width (after a two-space indent). */
    private static final int LABEL_WIDTH = 25;

    private final Console console;

    DemoReport(Console console) {
        this.console = console;
    }

    /** A narrative line; {@code format} is printed as it is when there are no arguments. */
    void say(String format, Object... args) {
        console.println(args.length == 0 ? format : String.format(format, args));
    }

    /** Starts the summary: a blank line and its title. */
    void summary() {
        say("");
        say("summary");
    }

    /** One summary row: {@code label}, padded, then the formatted value. */
    void row(String label, String format, Object... args) {
        console.println("  " + String.format("%-" + LABEL_WIDTH + "s", label) + String.format(format, args));
    }

    /**
     * The row of a latency's p50 and p99 in milliseconds, with {@code decimals} digits, then
     * {@code note}; {@code sortedNanos} are the completed tasks' ({@link Latencies#completed}).
     */
    void latencyRow(String label, long[] sortedNanos, int decimals, String note) {
        String ms = "%." + decimals + "f ms";
        row(label, ms + " / " + ms + "%s", Latencies.percentile(sortedNanos, 50) / 1e6,
                Latencies.percentile(sortedNanos, 99) / 1e6, note);
    }

    /** Prints the verdict and returns the demo's exit code (0 on success, 1 otherwise). */
    int verdict(boolean success) {
        say(success ? "demo OK" : "demo FAILED");
        return success ? 0 : 1;
    }

    /**
     * The progress line of a demo's load: {@code bar} (see {@link Burst#bar}), what ended so far,
     * the pool's ready workers (one is killed halfway, and comes back) and {@code rate}.
     */
    static String progressLine(String bar, long ok, long retried, long lost, PoolStats stats, String rate) {
        return String.format("%s  ok %d  retried %d  lost %d  workers %d/%d ready  %s", bar, ok, retried, lost,
                stats.ready(), stats.workers(), rate);
    }

    static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
