package dev.taipan.dspy;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The type of a signature field, as DSPy sees it: {@code str}, {@code int}, {@code float},
 * {@code bool}, {@code dict}, {@code list[T]}, {@code dict[str, T]}, {@code Literal['a', 'b']}
 * and {@code Optional[T]}. Immutable; {@link #toString()} is the Python type expression
 * sent to the worker (see docs/DSPY-BRIDGE.md).
 */
public final class FieldType {
    /** Text: a {@code String} in Java. */
    public static final FieldType STR = new FieldType("str");
    /** An integer: a {@code Long} in Java. */
    public static final FieldType INT = new FieldType("int");
    /** A floating-point number: a {@code Double} in Java. */
    public static final FieldType FLOAT = new FieldType("float");
    /** True or false: a {@code Boolean} in Java. */
    public static final FieldType BOOL = new FieldType("bool");
    /** A JSON object with any keys, e.g. nested structured output. */
    public static final FieldType DICT = new FieldType("dict");

    private static final Pattern LITERAL_VALUE = Pattern.compile("[^'\\\\\\n]{1,200}");

    private final String python;

    private FieldType(String python) {
        this.python = python;
    }

    /**
     * DSPy's {@code list[T]}: a {@code List} in Java.
     *
     * @param element the elements' type
     * @return the type
     * @throws NullPointerException if {@code element} is null
     */
    public static FieldType listOf(FieldType element) {
        return new FieldType("list[" + Objects.requireNonNull(element, "element") + "]");
    }

    /**
     * DSPy's {@code dict[str, T]}: a {@code Map} with string keys in Java.
     *
     * @param value the values' type
     * @return the type
     * @throws NullPointerException if {@code value} is null
     */
    public static FieldType dictOf(FieldType value) {
        return new FieldType("dict[str, " + Objects.requireNonNull(value, "value") + "]");
    }

    /**
     * DSPy's {@code Optional[T]}: the value may be null.
     *
     * @param type the type when present
     * @return the type
     * @throws NullPointerException if {@code type} is null
     */
    public static FieldType optional(FieldType type) {
        return new FieldType("Optional[" + Objects.requireNonNull(type, "type") + "]");
    }

    /**
     * One of a fixed set of strings: DSPy's {@code Literal[...]}, e.g. a class label.
     *
     * @param values the allowed strings: at least one, each 1-200 characters without quotes,
     *               backslashes or newlines
     * @return the type
     * @throws IllegalArgumentException if there is no value or a value breaks those rules
     */
    public static FieldType oneOf(String... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("oneOf needs at least one value");
        }
        for (String v : values) {
            if (v == null || !LITERAL_VALUE.matcher(v).matches()) {
                throw new IllegalArgumentException("oneOf value " + (v == null ? "null" : "'" + v + "'")
                        + " must be 1-200 characters without quotes, backslashes or newlines");
            }
        }
        return new FieldType("Literal[" + List.of(values).stream().map(v -> "'" + v + "'")
                .collect(Collectors.joining(", ")) + "]");
    }

    /**
     * The values of an enum, by name ({@link Prediction#get(String, Class)} converts back).
     *
     * @param type the enum class
     * @return the type, as {@link #oneOf(String...)} of the constants' names
     * @throws IllegalArgumentException if the enum has no constant
     */
    public static FieldType oneOf(Class<? extends Enum<?>> type) {
        Enum<?>[] constants = type.getEnumConstants();
        String[] names = new String[constants.length];
        for (int i = 0; i < constants.length; i++) {
            names[i] = constants[i].name();
        }
        return oneOf(names);
    }

    /**
     * Parses the type part of DSPy's string form ({@code "context: list[str]"}); throws
     * {@link SignatureException} for anything outside the supported set.
     *
     * @param text the type expression, e.g. {@code list[str]}
     * @return the type
     * @throws SignatureException naming what does not parse
     */
    public static FieldType parse(String text) {
        return new TypeParser(text).parseAll();
    }

    @Override
    public String toString() {
        return python;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldType && ((FieldType) o).python.equals(python);
    }

    @Override
    public int hashCode() {
        return python.hashCode();
    }

    /** A tiny recursive-descent parser for the closed set of type expressions. */
    private static final class TypeParser {
        private final String s;
        private int i;

        TypeParser(String s) {
            this.s = s == null ? "" : s;
        }

        FieldType parseAll() {
            FieldType t = type();
            skipSpace();
            if (i != s.length()) {
                throw error("unexpected '" + s.substring(i) + "'");
            }
            return t;
        }

        private FieldType type() {
            skipSpace();
            String name = name();
            switch (name) {
                case "str":
                    return STR;
                case "int":
                    return INT;
                case "float":
                    return FLOAT;
                case "bool":
                    return BOOL;
                case "list":
                case "List":
                    if (!peek('[')) {
                        return listOf(STR);
                    }
                    expect('[');
                    FieldType e = type();
                    expect(']');
                    return listOf(e);
                case "dict":
                case "Dict":
                    if (!peek('[')) {
                        return DICT;
                    }
                    expect('[');
                    FieldType k = type();
                    if (!k.equals(STR)) {
                        throw error("dict keys must be str");
                    }
                    expect(',');
                    FieldType v = type();
                    expect(']');
                    return dictOf(v);
                case "Optional":
                    expect('[');
                    FieldType o = type();
                    expect(']');
                    return optional(o);
                case "Literal":
                    expect('[');
                    List<String> values = new java.util.ArrayList<>();
                    do {
                        values.add(quoted());
                    } while (accept(','));
                    expect(']');
                    return oneOf(values.toArray(new String[0]));
                default:
                    throw error("unsupported type '" + name + "' (use str, int, float, bool, dict, list[T], "
                            + "dict[str, T], Literal['a', ...] or Optional[T])");
            }
        }

        private String name() {
            int start = i;
            while (i < s.length() && Character.isLetter(s.charAt(i))) {
                i++;
            }
            if (start == i) {
                throw error("expected a type name");
            }
            return s.substring(start, i);
        }

        private String quoted() {
            skipSpace();
            if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
                throw error("expected a quoted Literal value");
            }
            char q = s.charAt(i++);
            int start = i;
            while (i < s.length() && s.charAt(i) != q) {
                i++;
            }
            if (i >= s.length()) {
                throw error("unterminated Literal value");
            }
            return s.substring(start, i++);
        }

        private boolean peek(char c) {
            skipSpace();
            return i < s.length() && s.charAt(i) == c;
        }

        private boolean accept(char c) {
            if (peek(c)) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!accept(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private void skipSpace() {
            while (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
        }

        private SignatureException error(String what) {
            return new SignatureException("invalid field type '" + s + "': " + what);
        }
    }
}
