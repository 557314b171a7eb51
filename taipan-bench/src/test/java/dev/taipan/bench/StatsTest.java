package dev.taipan.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsTest {
    @Test
    void noValuesGiveNaN() {
        assertTrue(Double.isNaN(Stats.percentile(new long[0], 0.5)));
        assertTrue(Double.isNaN(Stats.percentile(new double[0], 0.99)));
        assertTrue(Double.isNaN(Stats.percentile(List.of(), 0.9)));
        assertTrue(Double.isNaN(Stats.median(new double[0])));
        assertTrue(Double.isNaN(Stats.median(List.of())));
        assertTrue(Double.isNaN(Stats.median(List.<String>of(), String::length)));
    }

    @Test
    void oneValueIsEveryPercentileAndTheMedian() {
        for (double p : new double[]{0, 0.01, 0.5, 0.9, 0.99, 1}) {
            assertEquals(7.0, Stats.percentile(new long[]{7}, p));
            assertEquals(7.0, Stats.percentile(new double[]{7}, p));
        }
        assertEquals(7.0, Stats.median(new double[]{7}));
    }

    @Test
    void anEvenCountsMedianIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, Stats.median(new double[]{4, 1, 3, 2}));
        assertEquals(15.0, Stats.median(List.of(10.0, 20.0)));
        assertEquals(2.0, Stats.median(new double[]{3, 1, 2}));
    }

    @Test
    void percentilesAreNearestRankSoAlwaysAMeasuredValue() {
        long[] sorted = {10, 20, 30, 40};
        assertEquals(10.0, Stats.percentile(sorted, 0)); // p = 0: the least, not below it
        assertEquals(10.0, Stats.percentile(sorted, 0.25));
        assertEquals(20.0, Stats.percentile(sorted, 0.5)); // rank ceil(2.0) = 2, not the mean 25
        assertEquals(30.0, Stats.percentile(sorted, 0.51));
        assertEquals(40.0, Stats.percentile(sorted, 0.99));
        assertEquals(40.0, Stats.percentile(sorted, 1));
        long[] hundred = new long[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }
        assertEquals(50.0, Stats.percentile(hundred, 0.50));
        assertEquals(90.0, Stats.percentile(hundred, 0.90));
        assertEquals(99.0, Stats.percentile(hundred, 0.99));
    }

    @Test
    void unsortedValuesAreSortedFirstAndLeftAsTheyWere() {
        double[] values = {40, 10, 30, 20};
        assertEquals(40.0, Stats.percentile(values, 0.9));
        assertEquals(20.0, Stats.percentile(List.of(40.0, 10.0, 30.0, 20.0), 0.5));
        assertEquals(25.0, Stats.median(values));
        assertEquals(40.0, values[0]);
    }

    @Test
    void theMedianOfAFigureOfEachItem() {
        assertEquals(4.0, Stats.median(List.of("a", "abcd", "abcdefg"), String::length));
    }
}
