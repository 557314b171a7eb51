/**
 * OpenTelemetry tracing for Taipan pools. Users see package {@code dev.taipan.opentelemetry};
 * its signatures name core's {@code CallTracer} and OpenTelemetry's API, so both are required
 * transitively.
 */
module dev.taipan.opentelemetry {
    requires transitive dev.taipan.core;
    requires transitive io.opentelemetry.api;
    requires io.opentelemetry.context;

    exports dev.taipan.opentelemetry;
}
