/**
 * Micrometer meters for Taipan pools: {@code dev.taipan.micrometer.TaipanMetrics}, a
 * {@code PoolListener}, and {@code TaipanDspyMetrics}, a DSPy {@code DspyListener}. Its public signatures name core's and Micrometer's types, so both are
 * required transitively.
 */
module dev.taipan.micrometer {
    requires transitive dev.taipan.core;
    requires transitive micrometer.core;
    // Optional: only TaipanDspyMetrics needs it, and only an application using DSPy has it.
    requires static dev.taipan.dspy;

    exports dev.taipan.micrometer;
}
