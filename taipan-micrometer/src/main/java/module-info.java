/**
 * Micrometer meters for Taipan pools: {@code dev.taipan.micrometer.TaipanMetrics}, a
 * {@code PoolListener}. Its public signatures name core's and Micrometer's types, so both are
 * required transitively.
 */
module dev.taipan.micrometer {
    requires transitive dev.taipan.core;
    requires transitive micrometer.core;

    exports dev.taipan.micrometer;
}
