package dev.taipan.bench.chaos;

import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak's levelling rule passes a sawtooth and fails a leak. */
class LevellingTest {
    private static final long MIB = 1 << 20;

    /**
     * A JVM RSS series (MiB, one sample per 30 s) shaped like the 10-minute soak of 2026-11-23
     * that the old rule failed: 147.9 at the start, the maximum 268.6 at 60 s, then alternating
     * between about 143 and 251 (the young generation grown and given back), 142.6 at one third,
     * 251.2 at the end. Only those figures were recorded; the samples between are in their range.
     */
    private static final long[] SOAK_SAWTOOTH = mib(147.9, 201.3, 268.6, 170.4, 238.5, 150.2, 247.1,
            142.6, 250.3, 143.8, 249.6, 144.1, 251.0, 142.9, 250.7, 143.5, 249.9, 144.4, 250.8, 143.2, 251.2);

    @Test
    void aSawtoothLevelsOffWhereverItsSamplesFall() {
        assertTrue(Levelling.of(SOAK_SAWTOOTH, 0).levelsOff());
        // the old rule (last sample vs the one at 1/3) failed this very series: 251.2 > 1.1 x 142.6
        assertTrue(SOAK_SAWTOOTH[SOAK_SAWTOOTH.length - 1]
                > SOAK_SAWTOOTH[SOAK_SAWTOOTH.length / 3] * 1.1);
        // a stationary sawtooth passes whatever its phase and the number of samples, as long as
        // each third spans a whole period (the soak: 7 samples per third, about 2 per period)
        for (int period = 2; period <= 5; period++) {
            for (int phase = 0; phase < period; phase++) {
                for (int n = Math.max(Levelling.MIN_SAMPLES, 3 * period); n <= 25; n++) {
                    long[] saw = sawtooth(n, period, phase, 143 * MIB, 251 * MIB);
                    assertTrue(Levelling.of(saw, 0).levelsOff(), "period " + period + " phase " + phase + " n " + n);
                }
            }
        }
    }

    @Test
    void aSteadyLeakFailsEvenUnderASawtooth() {
        // 10 MiB per sample on top of the sawtooth: 200 MiB over the run
        long[] leaking = new long[SOAK_SAWTOOTH.length];
        for (int i = 0; i < leaking.length; i++) {
            leaking[i] = SOAK_SAWTOOTH[i] + i * 10 * MIB;
        }
        assertFalse(Levelling.of(leaking, 0).levelsOff());
        // heap after GC, flat at 7.8 MiB, with the soak's injected leak of 1 MiB per sample
        long[] heap = LongStream.range(0, 21).map(i -> (long) (7.8 * MIB) + i * MIB).toArray();
        assertFalse(Levelling.of(heap, 0).levelsOff());
    }

    @Test
    void aLeakThatStartsLateFails() {
        long[] flatThenStep = LongStream.range(0, 21).map(i -> i < 16 ? 28 : 28 + (i - 15) * 3).toArray();
        Levelling l = Levelling.of(flatThenStep, 8);
        assertEquals(28, l.middlePeak());
        assertEquals(43, l.lastPeak());
        assertFalse(l.levelsOff());
    }

    @Test
    void flatSeriesAndWarmUpGrowthPass() {
        assertTrue(Levelling.of(LongStream.generate(() -> 28).limit(21).toArray(), 8).levelsOff());
        // growth only in the first third (warm-up) is not judged
        long[] warmUp = LongStream.range(0, 21).map(i -> i < 7 ? 40 + i * 2 : 55).toArray();
        assertTrue(Levelling.of(warmUp, 8).levelsOff());
    }

    @Test
    void slackAllowsSmallCountsToWobble() {
        // a recycling in progress at the last sample holds a second worker's threads for a moment
        long[] threads = LongStream.range(0, 21).map(i -> i == 20 ? 49 : 43).toArray();
        assertFalse(Levelling.of(threads, 0).levelsOff());
        assertTrue(Levelling.of(threads, 8).levelsOff());
    }

    @Test
    void tooFewSamplesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Levelling.of(new long[5], 0));
        assertThrows(IllegalArgumentException.class, () -> Levelling.of(new long[6], -1));
    }

    @Test
    void theSoakFigureReportsThePeaksAndJudgesOnlyLongRuns() {
        Figure judged = Soak.level(true, "JVM RSS", SOAK_SAWTOOTH, true, 0);
        assertTrue(judged.ok());
        assertTrue(judged.value().contains("peaks of each third"), judged.value());
        long[] leaking = LongStream.range(0, 21).map(i -> 100 * MIB + i * 5 * MIB).toArray();
        assertFalse(Soak.level(true, "JVM RSS", leaking, true, 0).ok());
        assertTrue(Soak.level(false, "JVM RSS", leaking, true, 0).ok(), "a quick run reports, never fails");
    }

    private static long[] mib(double... values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (long) (values[i] * MIB);
        }
        return out;
    }

    private static long[] sawtooth(int n, int period, int phase, long low, long high) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = (i + phase) % period == 0 ? high : low;
        }
        return out;
    }
}
