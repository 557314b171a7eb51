package dev.taipan.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The statistics every benchmark and demo reports: the nearest-rank percentile and the median.
 * Nearest rank (not interpolation) so that a percentile is always a latency that was measured;
 * none of values gives NaN, which the reports print and leave out of JSON as they see fit.
 */
public final class Stats {
    private Stats() {
    }

    /** Nearest-rank percentile ({@code p} in 0..1) of values sorted ascending; NaN if there are none. */
    public static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[rankIndex(sorted.length, p)];
    }

    /** Nearest-rank percentile ({@code p} in 0..1) of values in any order; NaN if there are none. */
    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v[rankIndex(v.length, p)];
    }

    public static double percentile(Collection<Double> values, double p) {
        return percentile(toArray(values), p);
    }

    /** The middle value, or the mean of the two middle ones for an even count; NaN if there are none. */
    public static double median(double[] values) {
        int n = values.length;
        if (n == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    public static double median(Collection<Double> values) {
        return median(toArray(values));
    }

    /** The median of one figure of each item (the p50 of every round, say). */
    public static <T> double median(List<T> items, ToDoubleFunction<? super T> figure) {
        return median(items.stream().mapToDouble(figure).toArray());
    }

    /** The index of the nearest rank, ceil(p * n), clamped to the values (p = 0 is the least). */
    private static int rankIndex(int n, double p) {
        int rank = (int) Math.ceil(p * n);
        return Math.max(0, Math.min(n - 1, rank - 1));
    }

    private static double[] toArray(Collection<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
