package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a prediction is scored against an example's labels. The built-in metrics run inside
 * the worker (and so can drive optimizers); a {@link #java Java metric} runs in the JVM and
 * is used by {@link Program#evaluate}.
 */
public final class Metric {
    /** A metric written in Java: a score between 0 and 1 for one prediction. */
    @FunctionalInterface
    public interface Scorer {
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

    /** DSPy's normalised exact match of the prediction's {@code field} with the label. */
    public static Metric exactMatch(String field) {
        return new Metric("exact_match", field, null);
    }

    /** Whether the label appears in the prediction's {@code field} (DSPy's passage match). */
    public static Metric passageMatch(String field) {
        return new Metric("passage_match", field, null);
    }

    /** A metric computed in Java. */
    public static Metric java(String name, Scorer scorer) {
        return new Metric(name, null, java.util.Objects.requireNonNull(scorer, "scorer"));
    }

    public String name() {
        return name;
    }

    boolean isJava() {
        return scorer != null;
    }

    Scorer scorer() {
        return scorer;
    }

    Map<String, Object> toWire() {
        if (scorer != null) {
            throw new UnsupportedOperationException("metric '" + name + "' is written in Java and cannot run in a"
                    + " worker yet; use Metric.exactMatch or Metric.passageMatch for optimizers");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("field", field);
        return m;
    }

    @Override
    public String toString() {
        return scorer != null ? "Metric{java " + name + "}" : "Metric{" + name + " on " + field + "}";
    }
}
