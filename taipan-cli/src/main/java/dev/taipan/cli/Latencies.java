package dev.taipan.cli;

import java.util.Arrays;

/**
 * Percentiles of the demos' per-task latencies, kept as one {@code long} of nanoseconds per
 * task, 0 meaning the task never completed (and so is left out rather than counted as instant).
 */
final class Latencies {
    private Latencies() {
    }

    /** The completed latencies of tasks {@code from..to-1}, sorted, for {@link #percentile}. */
    static long[] completed(long[] nanos, int from, int to) {
        return Arrays.stream(nanos, from, to).filter(x -> x > 0).sorted().toArray();
    }

    static long[] completed(long[] nanos) {
        return completed(nanos, 0, nanos.length);
    }

    /**
     * Nearest-rank percentile of sorted values, {@code p} in percent; 0 if there are none. The
     * benchmarks' rule (taipan-bench's {@code Stats}), so the demos and the benchmarks report
     * alike; written out here because the CLI jar does not carry the benchmarks.
     */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
