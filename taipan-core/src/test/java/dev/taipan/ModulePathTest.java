package dev.taipan;

import dev.taipan.apicheck.ConsumerModule;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * taipan-core as a module, the way a user's modular application sees it (the other tests run
 * on the classpath): a consumer module that says only {@code requires dev.taipan.core} (and opens
 * its package to Jackson, for its own record) compiles, starts a pool and calls Python with
 * nothing else on its command line (no {@code --add-modules}), and cannot compile against the
 * internals.
 */
class ModulePathTest {
    // The opens is for Jackson, which converts the consumer's own records (README says so).
    private static final String MODULE_INFO = """
            module consumer {
                requires dev.taipan.core;
                opens consumer to com.fasterxml.jackson.databind;
            }
            """;

    @TempDir
    Path dir;

    private ConsumerModule consumer() {
        // slf4j-simple is the logging provider a user would add.
        return new ConsumerModule(dir, List.of(TaipanPool.class),
                List.of("msgpack-core-", "jackson-", "slf4j-api-", "slf4j-simple-"));
    }

    @Test
    @Tag("python")
    void aConsumerNeedsOnlyRequiresDevTaipanCore() throws Exception {
        ConsumerModule consumer = consumer();
        ConsumerModule.Compiled compiled = consumer.compile(MODULE_INFO, """
                package consumer;

                import dev.taipan.PoolConfig;
                import dev.taipan.TaipanPool;
                import java.util.List;
                import java.util.Map;

                public class Main {
                    public record Point(int x, int y) {
                    }

                    public static void main(String[] args) {
                        try (TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("modpath")
                                .python(args[0]).workers(1).build())) {
                            System.out.println("echo " + pool.call("echo", List.of(Map.of("k", List.of(1, 2)))));
                            System.out.println("point " + pool.call("echo", List.of(new Point(3, 4)), Point.class));
                        }
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(60, TestPools.python());
        assertEquals(0, ran.exitStatus(), ran.output());
        assertTrue(ran.output().contains("echo {k=[1, 2]}"), ran.output());
        assertTrue(ran.output().contains("point Point[x=3, y=4]"), ran.output());
    }

    @Test
    void theInternalsAreNotExportedToUsers() throws Exception {
        for (String internal : List.of("dev.taipan.pool.PoolEngine", "dev.taipan.pool.JavaValues",
                "dev.taipan.protocol.FrameCodec")) {
            String pkg = internal.substring(0, internal.lastIndexOf('.'));
            ConsumerModule.Compiled compiled = consumer().compile(MODULE_INFO, """
                    package consumer;

                    public class Main {
                        static final Class<?> INTERNAL = %s.class;
                    }
                    """.formatted(internal));
            assertFalse(compiled.ok(), internal + " compiled against from outside the module");
            assertTrue(compiled.diagnostics().contains(
                    "package " + pkg + " is declared in module dev.taipan.core, which does not export it"),
                    compiled.diagnostics());
        }
    }
}
