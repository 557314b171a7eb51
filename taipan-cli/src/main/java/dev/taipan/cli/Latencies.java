package dev.taipan.cli;

import dev.taipan.bench.Stats;

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

    /** Nearest-rank percentile ({@link Stats}) of sorted values, {@code p} in percent; 0 if there are none. */
    static long percentile(long[] sorted, int p) {
        return sorted.length == 0 ? 0 : (long) Stats.percentile(sorted, p / 100.0);
    }
}
