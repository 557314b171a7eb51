package dev.taipan.dspy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What runs, failed runs, evaluations and optimizations tell a {@link DspyListener}: real
 * workers against the local LM server, under a model name LiteLLM has a price for and one it
 * does not.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("python")
@Tag("dspy")
class RunUsageIntegrationTest {
    private static final String PRICED = "gpt-4o-mini";
    private DspyFixture fx;

    @BeforeAll
    void start() {
        fx = new DspyFixture(1);
    }

    @AfterAll
    void stop() {
        fx.close();
    }

    /** Every event a listener hears, in order. */
    static final class Recorder implements DspyListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<RunUsage> usages = new CopyOnWriteArrayList<>();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();

        @Override
        public void runCompleted(String kind, RunUsage usage) {
            events.add("completed " + kind);
            usages.add(usage);
        }

        @Override
        public void runFailed(String kind, RunUsage usage, Throwable error) {
            events.add("failed " + kind);
            usages.add(usage);
            errors.add(error);
        }

        @Override
        public void evaluationEnded(String kind, RunUsage usage) {
            events.add("evaluation " + kind);
            usages.add(usage);
        }

        @Override
        public void optimizationEnded(String kind, RunUsage usage) {
            events.add("optimization " + kind);
            usages.add(usage);
        }
    }

    @Test
    void aModelLiteLlmHasAPriceForCostsDollarsPerRun() {
        for (String engine : List.of("litellm", "auto")) {
            Recorder rec = new Recorder();
            Program qa = fx.dspy.listener(rec).predict("question -> answer");
            Lm lm = fx.server.lm(PRICED).engine(engine).cache(true);
            Map<String, String> q = Map.of("question", "price " + UUID.randomUUID());

            RunUsage.Model first = qa.run(q, RunOptions.lm(lm)).runUsage().models().get("openai/" + PRICED);
            assertEquals(1, first.calls(), engine + ": " + first);
            assertTrue(first.promptTokens() > 0 && first.completionTokens() > 0, first.toString());
            assertTrue(first.costKnown(), first.toString());
            assertTrue(first.costUsd() > 0, engine + ": a priced model's billed call costs something: " + first);
            // Dollars for a few hundred tokens of a small model: far below a cent, far above nothing.
            assertTrue(first.costUsd() < 0.01 && first.costUsd() > 1e-9, first.toString());
            assertSame(first, rec.usages.get(0).models().get("openai/" + PRICED), "the listener hears the same usage");

            RunUsage.Model cached = qa.run(q, RunOptions.lm(lm)).runUsage().models().get("openai/" + PRICED);
            assertEquals(1, cached.cacheHits(), cached.toString());
            assertEquals(0.0, cached.costUsd(), "a cached answer costs nothing");
            assertTrue(cached.costKnown(), cached.toString());
        }
    }

    @Test
    void aModelWithNoPriceHasAnUnknownCostNotZero() {
        RunUsage.Model m = fx.dspy.predict("question -> answer").run(Map.of("question", "free?")).runUsage()
                .models().get("openai/taipan-local");
        assertEquals(1, m.calls());
        assertEquals(1, m.unpricedCalls(), m.toString());
        assertFalse(m.costKnown(), m.toString());
        assertEquals(0.0, m.costUsd(), "nothing priced");
    }

    @Test
    void aRunThatFailsAfterItsLmCallsStillReportsWhatItSpent() {
        Recorder rec = new Recorder();
        Program qa = fx.dspy.listener(rec).predict("question -> answer");
        Lm malformed = fx.server.lm("taipan-local-fail-malformed");
        OutputParseException e = assertThrows(OutputParseException.class,
                () -> qa.run(Map.of("question", "q"), RunOptions.lm(malformed)));
        assertEquals(List.of("failed predict"), rec.events);
        assertSame(e, rec.errors.get(0), "the listener is told what the caller got");
        RunUsage usage = rec.usages.get(0);
        RunUsage.Model m = usage.models().get("openai/taipan-local-fail-malformed");
        assertTrue(m != null && m.calls() >= 1 && m.promptTokens() > 0, usage.toString());
        assertTrue(usage.parseFailures() >= 1, usage.toString());

        // An LM error: the call counted as an error; asynchronously, the same.
        ExecutionException async = assertThrows(ExecutionException.class, () -> qa.runAsync(Map.of("question", "q"),
                RunOptions.lm(fx.server.lm("taipan-local-fail-500"))).get(60, TimeUnit.SECONDS));
        assertInstanceOf(LmServerException.class, async.getCause());
        assertEquals(List.of("failed predict", "failed predict"), rec.events);
        assertSame(async.getCause(), rec.errors.get(1));
        assertEquals(1, rec.usages.get(1).models().get("openai/taipan-local-fail-500").errors(), rec.usages.toString());

        // Streaming fails the same way.
        assertThrows(OutputParseException.class,
                () -> qa.stream(Map.of("question", "q"), chunk -> { }, RunOptions.lm(malformed)));
        assertEquals("failed predict", rec.events.get(2));
        assertTrue(rec.usages.get(2).parseFailures() >= 1, rec.usages.toString());
    }

    @Test
    void aRunRejectedBeforeAnyLmCallReportsNoUsage() {
        Recorder rec = new Recorder();
        Program qa = fx.dspy.listener(rec).predict("question -> answer");
        // A missing input fails in Java, before any call: no run, nothing to report.
        assertThrows(IllegalArgumentException.class, () -> qa.run(Map.of("nope", "q")));
        assertTrue(rec.events.isEmpty(), rec.events.toString());
    }

    @Test
    void evaluationsAndOptimizationsReportTheirLmUsageInAggregate() {
        Recorder rec = new Recorder();
        Program p = fx.dspy.listener(rec).predict(Signature.parse("ticket -> category: Literal['billing', 'shipping']"));
        List<Example> dev = List.of(
                Example.of(Map.of("ticket", "charged twice " + UUID.randomUUID()), Map.of("category", "billing")),
                Example.of(Map.of("ticket", "parcel lost " + UUID.randomUUID()), Map.of("category", "shipping")),
                Example.of(Map.of("ticket", "refund me " + UUID.randomUUID()), Map.of("category", "billing")));
        p.evaluate(dev, Metric.exactMatch("category"));
        assertEquals(List.of("evaluation predict"), rec.events);
        RunUsage.Model m = rec.usages.get(0).models().get("openai/taipan-local");
        assertEquals(3, m.calls(), rec.usages.toString());
        assertTrue(m.promptTokens() > 0, m.toString());

        Program optimized = p.optimize(Optimizer.bootstrapFewShot(2, 2), dev, Metric.exactMatch("category"));
        assertTrue(optimized.state().contains("demos"));
        assertEquals(List.of("evaluation predict", "optimization predict"), rec.events);
        RunUsage.Model o = rec.usages.get(1).models().get("openai/taipan-local");
        assertTrue(o != null && o.calls() >= 1 && o.promptTokens() > 0, rec.usages.toString());

        // A Java metric evaluates through runs, each reported as a run.
        rec.events.clear();
        p.evaluate(dev, Metric.java("any", (ex, pr) -> 1));
        assertEquals(List.of("completed predict", "completed predict", "completed predict"), rec.events);
    }
}
