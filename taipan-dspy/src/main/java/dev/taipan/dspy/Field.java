package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One input or output field of a {@link Signature}.
 *
 * @param name        the field's name
 * @param type        its type
 * @param description what it means, for the LM; null for none
 */
public record Field(String name, FieldType type, String description) {
    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("type", type.toString());
        m.put("desc", description);
        return m;
    }
}
