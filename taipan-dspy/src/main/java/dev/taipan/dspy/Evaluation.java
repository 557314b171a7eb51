package dev.taipan.dspy;

import java.util.List;

/**
 * The result of {@link Program#evaluate}: the average score (0-100) and each item's score.
 *
 * @param score the average score, 0 to 100
 * @param items each example's result, in devset order
 */
public record Evaluation(double score, List<Item> items) {
    /**
     * One example's result.
     *
     * @param example    the example
     * @param prediction what the program answered, or null if the run failed
     * @param score      the metric's score of it, 0 to 1
     * @param error      why the run (or the metric) failed, or null
     */
    public record Item(Example example, Prediction prediction, double score, String error) {
    }

    /**
     * Copies {@code items}, unmodifiable.
     *
     * @param score the average score, 0 to 100
     * @param items each example's result, in devset order
     */
    public Evaluation {
        items = List.copyOf(items);
    }
}
