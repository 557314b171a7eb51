package dev.taipan.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * Closes each executor's pools when the executor ends ({@code spark.plugins=dev.taipan.spark.TaipanSparkPlugin}):
 * the workers drain and exit with Spark's executor rather than at the JVM's exit.
 * Without it, a JVM shutdown hook closes them.
 */
public final class TaipanSparkPlugin implements SparkPlugin {
    /** Creates the plugin (Spark does, by its class name). */
    public TaipanSparkPlugin() {
    }

    /** {@return null: the driver has nothing to do} */
    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    /** {@return the executor's part: {@link TaipanSparkPools#closeAll()} at its shutdown} */
    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void shutdown() {
                TaipanSparkPools.closeAll();
            }
        };
    }
}
