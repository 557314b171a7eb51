package dev.taipan.bench.chaos;

/**
 * The soak's "levels off" rule, on one sampled series (JVM RSS, heap after GC, fds...).
 *
 * <p>The samples are cut into three equal thirds and each third is judged by its <em>peak</em>:
 * the series levels off when the last third's peak is at most 10% (or {@code slack}, whichever
 * is more) above the middle third's peak. Peaks, not single samples, because a healthy JVM's
 * RSS is a sawtooth (the young generation grows and is given back every minute or so): one
 * sample can fall in a trough and the next on a crest, so comparing two samples judges the
 * phase of the sawtooth, not a leak. A leak raises every crest, so it raises the last third's
 * peak above the middle one's. The first third is reported, not judged: it holds the warm-up
 * (JIT, class loading, the first recycling), which grows for reasons that stop. The rule
 * needs each third to span at least one whole period of the sawtooth: the 10-minute soak has
 * 7 samples (210 s) per third against a period of about a minute.
 */
record Levelling(long firstPeak, long middlePeak, long lastPeak, long allowed) {
    /** At least this many samples, so that every third has at least two. */
    static final int MIN_SAMPLES = 6;

    static Levelling of(long[] samples, long slack) {
        if (samples.length < MIN_SAMPLES) {
            throw new IllegalArgumentException("levelling needs at least " + MIN_SAMPLES + " samples, got "
                    + samples.length);
        }
        if (slack < 0) {
            throw new IllegalArgumentException("slack must be >= 0, got " + slack);
        }
        int n = samples.length;
        int a = n / 3;
        int b = 2 * n / 3;
        long middle = peak(samples, a, b);
        long allowed = Math.max(middle + middle / 10, middle + slack);
        return new Levelling(peak(samples, 0, a), middle, peak(samples, b, n), allowed);
    }

    boolean levelsOff() {
        return middlePeak >= 0 && lastPeak >= 0 && lastPeak <= allowed;
    }

    private static long peak(long[] samples, int from, int to) {
        long max = Long.MIN_VALUE;
        for (int i = from; i < to; i++) {
            max = Math.max(max, samples[i]);
        }
        return max;
    }
}
