package dev.taipan.test.dspy;

import dev.taipan.dspy.BatchResult;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Evaluation;
import dev.taipan.dspy.Example;
import dev.taipan.dspy.Lm;
import dev.taipan.dspy.Metric;
import dev.taipan.dspy.Optimizer;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.StreamChunk;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java-only stand-in: the whole API runs with no Python. */
class MockDspyTest {
    private final MockDspy mock = MockDspy.answering(in -> Map.of("answer",
            in.get("question").toString().contains("2+2") ? "4" : "unknown"));
    private final Dspy dspy = Dspy.on(mock).lm(Lm.of("mock/model"));

    @Test
    void runsBatchesAndRecordsInputs() {
        Program qa = dspy.chainOfThought("question -> answer");
        Prediction p = qa.run(Map.of("question", "What is 2+2?"));
        assertEquals("4", p.getString("answer"));
        assertEquals("mock reasoning", p.reasoning());
        assertNull(dspy.predict("question -> answer").run(Map.of("question", "x")).reasoning());
        List<BatchResult> batch = qa.batch(List.of(Map.of("question", "2+2"), Map.of("question", "hm")), 2);
        assertEquals("4", batch.get(0).prediction().getString("answer"));
        assertEquals("unknown", batch.get(1).prediction().getString("answer"));
        assertEquals(4, mock.runs().size());
        assertEquals("mock", dspy.dspyVersion());
    }

    @Test
    void streamingWorksAgainstTheMockToo() {
        List<StreamChunk> chunks = new java.util.ArrayList<>();
        Prediction p = dspy.predict("question -> answer").stream(Map.of("question", "2+2"), chunks::add);
        assertEquals(List.of(new StreamChunk("answer", "4")), chunks);
        assertEquals("4", p.getString("answer"));
    }

    @Test
    void aMissingInputIsRefusedBeforeAnythingRuns() {
        Program qa = dspy.predict("question, context -> answer");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> qa.run(Map.of("question", "q")));
        assertTrue(e.getMessage().contains("context"), e.getMessage());
        List<BatchResult> batch = qa.batch(List.of(Map.of("question", "q")), 1);
        assertFalse(batch.get(0).ok(), "a batch reports the item's error instead of throwing");
        assertTrue(mock.runs().isEmpty());
    }

    @Test
    void evaluatesWithBuiltInAndJavaMetrics() {
        Program qa = dspy.predict("question -> answer");
        List<Example> dev = List.of(Example.of(Map.of("question", "2+2"), Map.of("answer", "4")),
                Example.of(Map.of("question", "3+3"), Map.of("answer", "6")));
        assertEquals(50.0, qa.evaluate(dev, Metric.exactMatch("answer")).score());
        Evaluation java = qa.evaluate(dev, Metric.java("non-empty", (ex, p) -> p.getString("answer").isEmpty() ? 0 : 1));
        assertEquals(100.0, java.score());
        assertEquals(2, java.items().size());
    }

    @Test
    void optimizingReturnsANewProgramWithState() {
        Program qa = dspy.predict("question -> answer");
        Program tuned = qa.optimize(Optimizer.labeledFewShot(2),
                List.of(Example.of(Map.of("question", "2+2"), Map.of("answer", "4"))), Metric.exactMatch("answer"));
        assertTrue(tuned.state().contains("labeled_few_shot"), tuned.state());
        assertEquals(1, tuned.version());
        Program copy = dspy.predict("question -> answer").loadState(tuned.state());
        assertEquals(2, copy.version());
        assertEquals(tuned.state(), copy.state());
    }

    @Test
    void compositeProgramsAreValidatedInJava() {
        Program classify = dspy.predict("ticket -> category");
        Program answer = dspy.chainOfThought("ticket, category -> reply");
        Program pipeline = dspy.composite()
                .step("classify", classify, Map.of("ticket", "input.ticket"))
                .step("answer", answer, Map.of("ticket", "input.ticket", "category", "classify.category"))
                .output("reply", "answer.reply")
                .output("category", "classify.category")
                .build();
        assertEquals(List.of("ticket"), pipeline.inputNames());
        assertThrows(IllegalArgumentException.class, () -> dspy.composite()
                .step("answer", answer, Map.of("ticket", "input.ticket", "category", "classify.category")));
        assertThrows(IllegalArgumentException.class, () -> dspy.composite()
                .step("classify", classify, Map.of("ticket", "input.ticket")).output("x", "classify.nope"));
        assertThrows(IllegalArgumentException.class, () -> dspy.composite()
                .step("classify", classify, Map.of()));
    }

    @Test
    void lmsNeverShowTheirKey() {
        Lm lm = Lm.of("openai/gpt-4o-mini").apiKey(() -> "sk-very-secret").temperature(0.3);
        assertFalse(lm.toString().contains("sk-very-secret"), lm.toString());
        assertTrue(lm.toString().contains("apiKey=<from supplier>"), lm.toString());
        assertThrows(IllegalArgumentException.class, () -> Lm.of(" "));
        assertThrows(IllegalArgumentException.class, () -> Lm.of("m").temperature(3));
    }

    @Test
    void noLmIsAClearError() {
        Program qa = Dspy.on(mock).predict("question -> answer");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> qa.run(Map.of("question", "q")));
        assertTrue(e.getMessage().contains("Dspy.lm"), e.getMessage());
    }
}
