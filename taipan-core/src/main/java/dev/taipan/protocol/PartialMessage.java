package dev.taipan.protocol;

import java.util.LinkedHashMap;

/**
 * A well-framed message of a call one of whose fields holds a value outside the value domain:
 * that field is nil (the rest decoded as usual), and {@link #problem} says what and where
 * (e.g. {@code value[0]["a"]: string is not valid UTF-8}). The receiver fails that one call;
 * the connection is fine.
 */
public final class PartialMessage extends LinkedHashMap<String, Object> {
    private final String field;
    private final String problem;

    PartialMessage(java.util.Map<String, Object> decoded, String field, String problem) {
        super(decoded);
        this.field = field;
        this.problem = problem;
    }

    /** The field whose value could not be decoded, e.g. {@code value}. */
    public String field() {
        return field;
    }

    /** The path of the bad part and what is wrong with it. */
    public String problem() {
        return problem;
    }
}
