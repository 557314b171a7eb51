package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a prediction is scored against an example's labels. The built-in metrics run inside
 * the worker; a {@link #java Java metric} runs in this JVM: {@link Program#evaluate} scores
 * here, and optimizers in the worker call it back for every score they need.
 */
public final class Metric {
    /** A metric written in Java: a score between 0 and 1 for one prediction. */
    @FunctionalInterface
    public interface Scorer {
        /**
         * Scores one prediction. May be called from several threads at once (an optimizer's or an evaluation's parallel runs).
         *
         * @param example    the example, with its labels
         * @param prediction what the program answered
         * @return the score, 0 (wrong) to 1 (right)
         */
        double score(Example example, Prediction prediction);
    }

    private final String name;
    private final String field;
    private final Scorer scorer;

    private Metric(String name, String field, Scorer scorer) {
        this.name = name;
        this.field = field;
        this.scorer = scorer;
    }

    /**
     * DSPy's normalised exact match of the prediction's {@code field} with the label.
     *
     * @param field the output field compared with the label of the same name
     * @return the metric
     */
    public static Metric exactMatch(String field) {
        return new Metric("exact_match", field, null);
    }

    /**
     * Whether the label appears in the prediction's {@code field} (DSPy's passage match).
     *
     * @param field the output field searched for the label of the same name
     * @return the metric
     */
    public static Metric passageMatch(String field) {
        return new Metric("passage_match", field, null);
    }

    /**
     * A metric computed in Java.
     *
     * @param name   the metric's name, unique among the Java metrics of one optimizer run
     * @param scorer the scorer, not null
     * @return the metric
     * @throws NullPointerException if {@code scorer} is null
     */
    public static Metric java(String name, Scorer scorer) {
        return new Metric(name, null, java.util.Objects.requireNonNull(scorer, "scorer"));
    }

    /** {@return the metric's name: {@code exact_match}, {@code passage_match}, or a Java metric's own} */
    public String name() {
        return name;
    }

    boolean isJava() {
        return scorer != null;
    }

    Scorer scorer() {
        return scorer;
    }

    /** {@return the callback name a Java metric is called back under during an optimizer run} */
    String callbackName() {
        return "metric:" + name;
    }

    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (scorer != null) {
            m.put("name", "java");
            m.put("callback", callbackName());
        } else {
            m.put("name", name);
            m.put("field", field);
        }
        return m;
    }

    /** Scores a worker's {@code {inputs, labels, outputs}} callback argument with the Java scorer. */
    @SuppressWarnings("unchecked")
    Object scoreFromWire(Object args) {
        Map<String, Object> a = (Map<String, Object>) args;
        Example ex = Example.of((Map<String, Object>) a.get("inputs"), (Map<String, Object>) a.get("labels"));
        Prediction p = new Prediction((Map<String, Object>) a.get("outputs"), null, null, null);
        return scorer.score(ex, p);
    }

    @Override
    public String toString() {
        return scorer != null ? "Metric{java " + name + "}" : "Metric{" + name + " on " + field + "}";
    }
}
