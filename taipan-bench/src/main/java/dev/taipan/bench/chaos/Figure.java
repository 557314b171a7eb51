package dev.taipan.bench.chaos;

/**
 * One measured figure of a chaos scenario.
 *
 * @param name     what was measured
 * @param value    the measured value
 * @param expected the requirement: {@code "0"} (must be zero), {@code "all (N)"} (must equal N),
 *                 a short rule, or empty for a figure that is only reported
 * @param ok       whether the requirement holds (always true for reported-only figures)
 */
public record Figure(String name, String value, String expected, boolean ok) {
    /** A figure that must be zero. */
    static Figure mustBeZero(String name, long value) {
        return new Figure(name, Long.toString(value), "0", value == 0);
    }

    /** A figure that must equal {@code all}. */
    static Figure mustBeAll(String name, long value, long all) {
        return new Figure(name, Long.toString(value), "all (" + all + ")", value == all);
    }

    /** A figure checked against a rule stated in {@code expected}. */
    static Figure rule(String name, String value, String expected, boolean ok) {
        return new Figure(name, value, expected, ok);
    }

    /** A figure that is only reported. */
    static Figure info(String name, String value) {
        return new Figure(name, value, "", true);
    }

    static Figure info(String name, long value) {
        return info(name, Long.toString(value));
    }
}
