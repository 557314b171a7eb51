package dev.taipan.dspy;

import java.util.List;

/** The result of {@link Program#evaluate}: the average score (0-100) and each item's score. */
public record Evaluation(double score, List<Item> items) {
    public record Item(Example example, Prediction prediction, double score, String error) {
    }

    public Evaluation {
        items = List.copyOf(items);
    }
}
