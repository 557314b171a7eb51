package dev.taipan.dspy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a program takes and returns: typed input and output fields with descriptions, and
 * instructions. Build it from DSPy's string form ({@code "question, context: list[str] ->
 * answer: int"}) or with {@link #builder()}. Invalid signatures fail here, in Java.
 */
public final class Signature {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
    private static final Set<String> RESERVED = Set.of("reasoning", "completions", "config", "self", "session");

    private final String instructions;
    private final List<Field> inputs;
    private final List<Field> outputs;

    private Signature(String instructions, List<Field> inputs, List<Field> outputs) {
        this.instructions = instructions;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    /**
     * Parses DSPy's string form: {@code "a, b: int -> c: list[str]"}; untyped fields are str.
     *
     * @param text the signature
     * @return the signature, without instructions
     * @throws SignatureException naming what is wrong: no or several {@code ->}, an empty field
     *                            name, an unknown type, a field as {@link Builder#build()} rejects it
     */
    public static Signature parse(String text) {
        if (text == null || text.isBlank()) {
            throw new SignatureException("signature is empty; expected 'inputs -> outputs', e.g. 'question -> answer'");
        }
        int arrow = text.indexOf("->");
        if (arrow < 0 || text.indexOf("->", arrow + 2) >= 0) {
            throw new SignatureException("signature '" + text + "' must contain exactly one '->'");
        }
        Builder b = builder();
        for (Field f : parseSide(text.substring(0, arrow), text)) {
            b.input(f.name(), f.type(), null);
        }
        for (Field f : parseSide(text.substring(arrow + 2), text)) {
            b.output(f.name(), f.type(), null);
        }
        return b.build();
    }

    private static List<Field> parseSide(String side, String whole) {
        List<Field> out = new ArrayList<>();
        for (String part : splitTopLevel(side)) {
            String p = part.trim();
            if (p.isEmpty()) {
                throw new SignatureException("signature '" + whole + "' has an empty field name");
            }
            int colon = p.indexOf(':');
            String name = (colon < 0 ? p : p.substring(0, colon)).trim();
            FieldType type = colon < 0 ? FieldType.STR : FieldType.parse(p.substring(colon + 1).trim());
            out.add(new Field(name, type, null));
        }
        return out;
    }

    /** Splits on commas that are not inside brackets or quotes ({@code dict[str, int]}). */
    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** {@return a builder of a signature field by field} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the instructions the LM is given, or null for DSPy's default} */
    public String instructions() {
        return instructions;
    }

    /** {@return the input fields, in order; unmodifiable} */
    public List<Field> inputs() {
        return inputs;
    }

    /** {@return the output fields, in order; unmodifiable} */
    public List<Field> outputs() {
        return outputs;
    }

    /**
     * A copy with other instructions.
     *
     * @param text the instructions, or null for DSPy's default
     * @return the new signature; this one is unchanged
     */
    public Signature withInstructions(String text) {
        return new Signature(text, inputs, outputs);
    }

    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instructions", instructions);
        m.put("inputs", inputs.stream().map(Field::toWire).toList());
        m.put("outputs", outputs.stream().map(Field::toWire).toList());
        return m;
    }

    /** {@return the string form, e.g. {@code question: str -> answer: int}} */
    @Override
    public String toString() {
        return side(inputs) + " -> " + side(outputs);
    }

    private static String side(List<Field> fields) {
        return String.join(", ", fields.stream().map(f -> f.name() + ": " + f.type()).toList());
    }

    /** Collects the fields of a signature; checked in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private String instructions;
        private final List<Field> inputs = new ArrayList<>();
        private final List<Field> outputs = new ArrayList<>();

        private Builder() {
        }

        /**
         * The instructions the LM is given (DSPy's signature docstring).
         *
         * @param text the instructions, or null for DSPy's default
         * @return this builder
         */
        public Builder instructions(String text) {
            this.instructions = text;
            return this;
        }

        /**
         * Adds a {@code str} input field.
         *
         * @param name the field's name
         * @return this builder
         */
        public Builder input(String name) {
            return input(name, FieldType.STR, null);
        }

        /**
         * Adds an input field.
         *
         * @param name        the field's name: an identifier, not reserved by DSPy, unique in the signature
         * @param type        its type
         * @param description what it means, for the LM; null for none
         * @return this builder
         */
        public Builder input(String name, FieldType type, String description) {
            inputs.add(new Field(name, type, description));
            return this;
        }

        /**
         * Adds a {@code str} output field.
         *
         * @param name the field's name
         * @return this builder
         */
        public Builder output(String name) {
            return output(name, FieldType.STR, null);
        }

        /**
         * Adds an output field.
         *
         * @param name        the field's name: an identifier, not reserved by DSPy, unique in the signature
         * @param type        its type
         * @param description what it means, for the LM; null for none
         * @return this builder
         */
        public Builder output(String name, FieldType type, String description) {
            outputs.add(new Field(name, type, description));
            return this;
        }

        /**
         * {@return the signature}
         *
         * @throws SignatureException naming the field that is wrong: no input or output, a name that is not an identifier, reserved or repeated, a missing type
         */
        public Signature build() {
            if (inputs.isEmpty()) {
                throw new SignatureException("a signature needs at least one input field");
            }
            if (outputs.isEmpty()) {
                throw new SignatureException("a signature needs at least one output field");
            }
            Set<String> seen = new HashSet<>();
            for (List<Field> side : List.of(inputs, outputs)) {
                for (Field f : side) {
                    if (f.name() == null || !NAME.matcher(f.name()).matches()) {
                        throw new SignatureException("field name '" + f.name() + "' is not an identifier");
                    }
                    if (RESERVED.contains(f.name())) {
                        throw new SignatureException("field name '" + f.name() + "' is reserved by DSPy");
                    }
                    if (f.type() == null) {
                        throw new SignatureException("field '" + f.name() + "' has no type");
                    }
                    if (!seen.add(f.name())) {
                        throw new SignatureException("field '" + f.name() + "' appears twice");
                    }
                }
            }
            return new Signature(instructions, inputs, outputs);
        }
    }
}
