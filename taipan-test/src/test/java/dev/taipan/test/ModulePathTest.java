package dev.taipan.dspy.testing;

import dev.taipan.TaipanPool;
import dev.taipan.apicheck.ConsumerModule;
import dev.taipan.dspy.Dspy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DSPy from Java on the module path: a consumer that says only
 * {@code requires dev.taipan.dspy.testing} reaches core and DSPy through the transitive
 * requires, and runs a program against {@link MockDspy} (no Python). A prediction's values go
 * through core's value rules, exported to taipan-dspy alone, so this also checks that export.
 */
class ModulePathTest {
    @TempDir
    Path dir;

    @Test
    void aConsumerNeedsOnlyTheTestingModule() throws Exception {
        ConsumerModule consumer = new ConsumerModule(dir, List.of(TaipanPool.class, Dspy.class, MockDspy.class),
                List.of("msgpack-core-", "jackson-", "slf4j-api-", "slf4j-simple-"));
        ConsumerModule.Compiled compiled = consumer.compile("""
                module consumer {
                    requires dev.taipan.dspy.testing;
                }
                """, """
                package consumer;

                import dev.taipan.dspy.Dspy;
                import dev.taipan.dspy.Lm;
                import dev.taipan.dspy.Program;
                import dev.taipan.dspy.testing.MockDspy;
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
