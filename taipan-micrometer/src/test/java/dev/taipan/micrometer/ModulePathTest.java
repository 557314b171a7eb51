package dev.taipan.micrometer;

import dev.taipan.TaipanPool;
import dev.taipan.apicheck.ConsumerModule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metrics on the module path: a consumer that says only {@code requires dev.taipan.micrometer}
 * reaches core and Micrometer through the transitive requires, and runs without taipan-dspy
 * (an optional, static requirement that only TaipanDspyMetrics uses).
 */
class ModulePathTest {
    @TempDir
    Path dir;

    @Test
    void aConsumerNeedsOnlyTheMicrometerModuleAndNoDspy() throws Exception {
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, TaipanMetrics.class),
                List.of("msgpack-core-", "jackson-", "slf4j-api-", "slf4j-simple-", "micrometer-core-",
                        "micrometer-commons-", "micrometer-observation-", "HdrHistogram-", "LatencyUtils-"));
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.micrometer;
                }
                """, """
                package consumer;

                import dev.taipan.PoolConfig;
                import dev.taipan.micrometer.TaipanMetrics;
                import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

                public class Main {
                    public static void main(String[] args) {
                        SimpleMeterRegistry registry = new SimpleMeterRegistry();
                        PoolConfig config = PoolConfig.builder().name("mp").listener(TaipanMetrics.of(registry)).build();
                        System.out.println("listener " + config.listener());
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(60);
        assertEquals(0, ran.exitStatus(), ran.output());
        assertTrue(ran.output().contains("listener TaipanMetrics{not started}"), ran.output());
    }
}
