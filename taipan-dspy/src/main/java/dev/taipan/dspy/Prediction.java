package dev.taipan.dspy;

import dev.taipan.pool.JavaValues;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A program's answer: its output fields (typed as the signature says: an {@code int} field
 * is a {@code Long}), the reasoning of a ChainOfThought, extra completions when more than one
 * was asked for, and token usage as DSPy reports it.
 */
public final class Prediction {
    private final Map<String, Object> outputs;
    private final String reasoning;
    private final List<Map<String, Object>> completions;
    private final Map<String, Object> usage;
    private final RunUsage runUsage;

    /**
     * A prediction with no run usage ({@link RunUsage#NONE}), as a test or a stand-in makes one.
     *
     * @param outputs     the output fields by name (null values allowed); null for none
     * @param reasoning   the ChainOfThought's reasoning, or null
     * @param completions extra completions, each a map of output fields; null for none
     * @param usage       token usage per model as DSPy reports it; null for none
     */
    public Prediction(Map<String, Object> outputs, String reasoning, List<Map<String, Object>> completions,
                      Map<String, Object> usage) {
        this(outputs, reasoning, completions, usage, RunUsage.NONE);
    }

    /**
     * A prediction; the maps and list are copied, unmodifiable.
     *
     * @param outputs     the output fields by name (null values allowed); null for none
     * @param reasoning   the ChainOfThought's reasoning, or null
     * @param completions extra completions, each a map of output fields; null for none
     * @param usage       token usage per model as DSPy reports it; null for none
     * @param runUsage    what the run asked of its LMs, not null
     * @throws NullPointerException if {@code runUsage} is null
     */
    public Prediction(Map<String, Object> outputs, String reasoning, List<Map<String, Object>> completions,
                      Map<String, Object> usage, RunUsage runUsage) {
        this.runUsage = java.util.Objects.requireNonNull(runUsage, "runUsage");
        this.outputs = frozen(outputs);
        this.reasoning = reasoning;
        this.completions = completions == null ? List.of()
                : Collections.unmodifiableList(new ArrayList<>(completions));
        this.usage = frozen(usage);
    }

    @SuppressWarnings("unchecked")
    static Prediction fromWire(Object value) {
        Map<String, Object> m = (Map<String, Object>) value;
        Map<String, Object> usage = (Map<String, Object>) m.get("usage");
        return new Prediction((Map<String, Object>) m.get("outputs"), (String) m.get("reasoning"),
                (List<Map<String, Object>>) m.get("completions"), usage, RunUsage.fromWire(m.get("metrics"), usage));
    }

    /** Unmodifiable, order kept, and (unlike Map.copyOf) null values allowed: DSPy may return None. */
    private static Map<String, Object> frozen(Map<String, Object> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** {@return the output fields by name, in the signature's order; unmodifiable, values may be null} */
    public Map<String, Object> outputs() {
        return outputs;
    }

    /**
     * Whether the prediction has this output field.
     *
     * @param field the output field's name
     * @return true if it does (its value may still be null)
     */
    public boolean has(String field) {
        return outputs.containsKey(field);
    }

    /**
     * An output field's value, as it came over the wire.
     *
     * @param field the output field's name
     * @return its value, possibly null
     * @throws IllegalArgumentException if the prediction has no such field
     */
    public Object get(String field) {
        if (!outputs.containsKey(field)) {
            throw new IllegalArgumentException("prediction has no field '" + field + "'; it has " + outputs.keySet());
        }
        return outputs.get(field);
    }

    /**
     * An output field's value as text.
     *
     * @param field the output field's name
     * @return its {@code toString()}, or null for a null value
     * @throws IllegalArgumentException if the prediction has no such field
     */
    public String getString(String field) {
        Object v = get(field);
        return v == null ? null : v.toString();
    }

    /**
     * An output field's value as a {@code long}.
     *
     * @param field the output field's name
     * @return its value
     * @throws IllegalArgumentException if the prediction has no such field
     * @throws dev.taipan.SerializationException if the value does not convert (or is null)
     */
    public long getLong(String field) {
        return get(field, Long.class);
    }

    /**
     * An output field's value as an {@code int}.
     *
     * @param field the output field's name
     * @return its value
     * @throws IllegalArgumentException if the prediction has no such field
     * @throws dev.taipan.SerializationException if the value does not convert (or is null)
     */
    public int getInt(String field) {
        return get(field, Integer.class);
    }

    /**
     * An output field's value as a {@code double}.
     *
     * @param field the output field's name
     * @return its value
     * @throws IllegalArgumentException if the prediction has no such field
     * @throws dev.taipan.SerializationException if the value does not convert (or is null)
     */
    public double getDouble(String field) {
        return get(field, Double.class);
    }

    /**
     * An output field's value as a {@code boolean}.
     *
     * @param field the output field's name
     * @return its value
     * @throws IllegalArgumentException if the prediction has no such field
     * @throws dev.taipan.SerializationException if the value does not convert (or is null)
     */
    public boolean getBoolean(String field) {
        return get(field, Boolean.class);
    }

    /**
     * An output field's value as a list.
     *
     * @param field the output field's name
     * @return its value
     * @throws IllegalArgumentException if the prediction has no such field
     * @throws dev.taipan.SerializationException if the value does not convert
     */
    public List<?> getList(String field) {
        return get(field, List.class);
    }

    /**
     * The field converted to {@code type} with Jackson (a record for a dict field, an enum for a label...).
     *
     * @param <T>   the type
     * @param field the output field's name
     * @param type  the class to convert to
     * @return the converted value
     * @throws IllegalArgumentException if the prediction has no such field
     * @throws dev.taipan.SerializationException if the value does not convert
     */
    public <T> T get(String field, Class<T> type) {
        return JavaValues.convert(get(field), type, "field '" + field + "'");
    }

    /** {@return the ChainOfThought's reasoning, or null for modules that do not reason} */
    public String reasoning() {
        return reasoning;
    }

    /** {@return the extra completions (each a map of output fields) when the program asked for more than one ({@code n}); empty otherwise} */
    public List<Map<String, Object>> completions() {
        return completions;
    }

    /** {@return token usage per model, as DSPy reports it (empty when the LM does not report usage)} */
    public Map<String, Object> usage() {
        return usage;
    }

    /** {@return what the run asked of its LMs (calls, cache hits, tokens per model; parse failures)} */
    public RunUsage runUsage() {
        return runUsage;
    }

    @Override
    public String toString() {
        return "Prediction" + outputs() + (reasoning == null ? "" : " reasoning=" + reasoning);
    }
}
