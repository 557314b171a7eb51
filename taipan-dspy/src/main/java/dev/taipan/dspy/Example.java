package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training or evaluation record: the inputs a program gets and the labels it should produce.
 *
 * @param inputs the inputs, by field name
 * @param labels the expected outputs, by field name (empty for none)
 */
public record Example(Map<String, Object> inputs, Map<String, Object> labels) {
    /**
     * Copies both maps, unmodifiable.
     *
     * @param inputs the inputs, not null
     * @param labels the labels, or null for none
     * @throws NullPointerException if {@code inputs} is null, or a key or value is null
     */
    public Example {
        inputs = Map.copyOf(inputs);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /**
     * An example from maps of any value type.
     *
     * @param inputs the inputs, by field name
     * @param labels the expected outputs, by field name; null for none
     * @return the example
     * @throws NullPointerException if {@code inputs} is null, or a key or value is null
     */
    public static Example of(Map<String, ?> inputs, Map<String, ?> labels) {
        return new Example(Map.copyOf(inputs), labels == null ? Map.of() : Map.copyOf(labels));
    }

    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputs", inputs);
        m.put("labels", labels);
        return m;
    }
}
