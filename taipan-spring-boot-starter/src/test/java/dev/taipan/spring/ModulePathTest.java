package dev.taipan.spring;

import dev.taipan.TaipanPool;
import dev.taipan.apicheck.ConsumerModule;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The starter on the module path: a modular Spring Boot application (Spring's jars are
 * automatic modules) that says {@code requires dev.taipan.spring} gets the auto-configured pool
 * from {@code taipan.pool.*} and calls a real worker through it, with none of the optional
 * modules (taipan-dspy, the actuator, taipan-micrometer, taipan-opentelemetry) present.
 */
@Tag("python")
class ModulePathTest {
    @TempDir
    Path dir;

    @Test
    void aModularSpringBootApplicationGetsAWorkingPool() throws Exception {
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, TaipanAutoConfiguration.class),
                List.of("msgpack-core-", "jackson-", "slf4j-api-", "spring-boot-3", "spring-boot-autoconfigure-",
                        "spring-core-", "spring-beans-", "spring-context-6", "spring-aop-", "spring-expression-",
                        "spring-jcl-", "micrometer-observation-", "micrometer-commons-", "snakeyaml-"));
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.spring;
                    requires spring.boot;
                    requires spring.boot.autoconfigure;
                    requires spring.context;
                    opens consumer to spring.core, spring.beans, spring.context;
                }
                """, """
                package consumer;

                import dev.taipan.TaipanPool;
                import org.springframework.boot.SpringApplication;
                import org.springframework.boot.WebApplicationType;
                import org.springframework.boot.autoconfigure.SpringBootApplication;
                import org.springframework.context.ConfigurableApplicationContext;

                @SpringBootApplication
                public class Main {
                    public static void main(String[] args) {
                        SpringApplication app = new SpringApplication(Main.class);
                        app.setWebApplicationType(WebApplicationType.NONE);
                        try (ConfigurableApplicationContext ctx = app.run(args)) {
                            TaipanPool pool = ctx.getBean(TaipanPool.class);
                            System.out.println("pool " + pool.config().name() + " says " + pool.call("ping"));
                        }
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(120, "--taipan.pool.name=modular", "--taipan.pool.workers=1",
                "--taipan.pool.start-mode=spawn", "--taipan.pool.shutdown-hook=false",
                "--taipan.pool.python=" + System.getProperty("taipan.python"));
        assertEquals(0, ran.exitStatus(), ran.output());
        assertTrue(ran.output().contains("pool modular says pong"), ran.output());
    }
}
