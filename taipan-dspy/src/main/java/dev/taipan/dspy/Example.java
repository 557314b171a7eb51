package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/** A training or evaluation record: the inputs a program gets and the labels it should produce. */
public record Example(Map<String, Object> inputs, Map<String, Object> labels) {
    public Example {
        inputs = Map.copyOf(inputs);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

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
