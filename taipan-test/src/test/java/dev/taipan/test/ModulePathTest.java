package dev.taipan.test;

import dev.taipan.TaipanPool;
import dev.taipan.apicheck.ConsumerModule;
import dev.taipan.dspy.Dspy;
import dev.taipan.test.dspy.MockDspy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test kit on the module path. With DSPy: a consumer that requires {@code dev.taipan.test}
 * and {@code dev.taipan.dspy} (the kit's DSPy requirement is static) runs a program against
 * {@link MockDspy} (no Python); a prediction's values go through core's value rules, exported
 * to taipan-dspy alone, so this also checks that export. Without DSPy: a module path holding
 * no taipan-dspy at all still resolves the kit, and its extension loads.
 */
class ModulePathTest {
    private static final List<String> JARS = List.of("msgpack-core-", "jackson-", "slf4j-api-", "slf4j-simple-",
            "junit-jupiter-api-", "junit-platform-commons-", "opentest4j-", "apiguardian-api-");

    @TempDir
    Path dir;

    @Test
    void aTeamWithoutDspyUsesTheExtension() throws Exception {
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, TaipanPoolTest.class), JARS);
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.test;
                }
                """, """
                package consumer;

                import dev.taipan.TaipanPool;
                import dev.taipan.test.TaipanPoolExtension;
                import dev.taipan.test.TaipanPoolTest;

                @TaipanPoolTest(modules = "my_module")
                public class Main {
                    public static void main(String[] args) {
                        TaipanPoolTest settings = Main.class.getAnnotation(TaipanPoolTest.class);
                        System.out.println("modules " + String.join(",", settings.modules()) + " workers " + settings.workers());
                        System.out.println("extension " + new TaipanPoolExtension().getClass().getName());
                        System.out.println("dspy " + ModuleLayer.boot().findModule("dev.taipan.dspy").isPresent());
                        System.out.println("pool " + TaipanPool.class.getModule().getName());
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(60);
        assertEquals(0, ran.exitStatus(), ran.output());
        assertTrue(ran.output().contains("modules my_module workers 1"), ran.output());
        assertTrue(ran.output().contains("extension dev.taipan.test.TaipanPoolExtension"), ran.output());
        assertTrue(ran.output().contains("dspy false"), ran.output());
        assertTrue(ran.output().contains("pool dev.taipan.core"), ran.output());
    }

    @Test
    void aConsumerOfMockDspyRequiresTheKitAndDspy() throws Exception {
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, Dspy.class, MockDspy.class),
                JARS);
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.test;
                    requires dev.taipan.dspy;
                }
                """, """
                package consumer;

                import dev.taipan.dspy.Dspy;
import dev.taipan.test.dspy.MockDspy;
                import dev.taipan.dspy.Lm;
                import dev.taipan.dspy.Program;
                import dev.taipan.test.dspy.MockDspy;
                import java.util.Map;

                public class Main {
                    public static void main(String[] args) {
                        Dspy dspy = Dspy.on(MockDspy.answering(in -> Map.of("answer", "4"))).lm(Lm.of("mock/model"));
                        Program qa = dspy.chainOfThought("question -> answer");
                        System.out.println("answer " + qa.run(Map.of("question", "2+2?")).getString("answer"));
                        System.out.println("state " + !qa.state().isEmpty());
                    }
                }
                """);
        assertTrue(compiled.ok(), compiled.diagnostics());
        ConsumerModule.Ran ran = consumer.run(60);
        assertEquals(0, ran.exitStatus(), ran.output());
        assertTrue(ran.output().contains("answer 4"), ran.output());
        assertTrue(ran.output().contains("state true"), ran.output());
    }
}
