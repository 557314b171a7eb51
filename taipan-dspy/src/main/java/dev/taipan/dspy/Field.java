package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/** One input or output field of a {@link Signature}. */
public record Field(String name, FieldType type, String description) {
    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("type", type.toString());
        m.put("desc", description);
        return m;
    }
}
