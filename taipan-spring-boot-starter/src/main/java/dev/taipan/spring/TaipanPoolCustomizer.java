package dev.taipan.spring;

import dev.taipan.PoolConfig;

/**
 * Changes the auto-configured pool's configuration after the {@code taipan.pool.*} properties
 * were read: the options that are objects (a {@code PoolListener}, a callback executor, a
 * provisioned {@code PythonEnvironment}). Every bean of this type is applied, in order.
 */
@FunctionalInterface
public interface TaipanPoolCustomizer {
    /**
     * Changes the configuration before the pool is built.
     *
     * @param builder the builder holding the properties' values (and earlier customizers' changes)
     */
    void customize(PoolConfig.Builder builder);
}
