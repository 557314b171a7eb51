/**
 * DSPy programs from Java. Users see package {@code dev.taipan.dspy}; its signatures name
 * core's types ({@code PythonCaller}, {@code TaipanPool}, the exceptions), so core is required
 * transitively and a consumer needs only {@code requires dev.taipan.dspy}.
 */
module dev.taipan.dspy {
    requires transitive dev.taipan.core;
    requires com.fasterxml.jackson.databind;

    exports dev.taipan.dspy;
}
