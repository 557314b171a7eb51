package dev.taipan.micrometer;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Example;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Metric;
import dev.taipan.dspy.Optimizer;
import dev.taipan.dspy.OutputParseException;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.RunOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DSPy runs against the local LM server, through real workers, counted in a real registry. */
@Tag("python")
@Tag("dspy")
class TaipanDspyMetricsTest {
    private static final String MODEL = "openai/taipan-local";

    @Test
    void runsAddLmCallsTokensAndCacheHitsPerModel() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (LocalLmServer server = LocalLmServer.start(TaipanMetricsTest.python());
             TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("m-dspy").python(TaipanMetricsTest.python())
                     .modules("taipan_worker.dspy").workers(1).slots(2).startTimeout(Duration.ofSeconds(90))
                     .callTimeout(Duration.ofSeconds(120)).drainTimeout(Duration.ofSeconds(2))
                     .killTimeout(Duration.ofSeconds(2)).shutdownHook(false)
                     .listener(TaipanMetrics.of(registry)).build())) {
            Dspy dspy = Dspy.on(pool).lm(server.lm().cache(true)).listener(TaipanDspyMetrics.of(registry));
            Program qa = dspy.predict("question -> answer");
            String question = "metrics " + UUID.randomUUID();

            Prediction first = qa.run(Map.of("question", question));
            assertEquals(1, first.runUsage().models().get(MODEL).calls());
            assertEquals(1.0, count(registry, "taipan.dspy.lm.calls"));
            assertEquals(0.0, count(registry, "taipan.dspy.lm.cache.hits"));
            double prompt = registry.get("taipan.dspy.lm.tokens").tags("model", MODEL, "type", "prompt").counter()
                    .count();
            double completion = registry.get("taipan.dspy.lm.tokens").tags("model", MODEL, "type", "completion")
                    .counter().count();
            assertTrue(prompt > 0 && completion > 0, "tokens in " + prompt + ", out " + completion);

            qa.run(Map.of("question", question)); // the same question: DSPy's cache answers
            assertEquals(2.0, count(registry, "taipan.dspy.lm.calls"));
            assertEquals(1.0, count(registry, "taipan.dspy.lm.cache.hits"));
            assertEquals(prompt, registry.get("taipan.dspy.lm.tokens").tags("model", MODEL, "type", "prompt")
                    .counter().count(), "a cached answer bills no tokens");
            assertEquals(2.0, registry.get("taipan.dspy.runs").tags("kind", "predict").counter().count());
            assertEquals(0.0, count(registry, "taipan.dspy.lm.errors"));
            // The pool's own meters see the bridge's calls under their registered names.
            assertEquals(2, registry.get("taipan.calls").tags("pool", "m-dspy", "function", "taipan_worker.dspy:run",
                    "outcome", "success").timer().count());
        }
    }

    @Test
    void costIsCountedInDollarsPerPricedModelAndNeverAsZeroForAnUnpricedOne() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (LocalLmServer server = LocalLmServer.start(TaipanMetricsTest.python());
             TaipanPool pool = pool("m-dspy-cost")) {
            Dspy dspy = Dspy.on(pool).listener(TaipanDspyMetrics.of(registry));
            Program qa = dspy.predict("question -> answer");
            String priced = "openai/gpt-4o-mini";

            Prediction p = qa.run(Map.of("question", "cost " + UUID.randomUUID()), RunOptions.lm(server.lm("gpt-4o-mini")));
            double cost = p.runUsage().models().get(priced).costUsd();
            assertTrue(cost > 0, p.runUsage().toString());
            Counter counter = registry.get("taipan.dspy.lm.cost").tags("model", priced).counter();
            assertEquals(cost, counter.count(), 1e-12);
            assertEquals("usd", counter.getId().getBaseUnit());
            qa.run(Map.of("question", "cost " + UUID.randomUUID()), RunOptions.lm(server.lm("gpt-4o-mini")));
            assertTrue(counter.count() > cost, "a second billed run adds its cost");
            assertNull(registry.find("taipan.dspy.lm.unpriced").tags("model", priced).counter());

            qa.run(Map.of("question", "free?"), RunOptions.lm(server.lm()));
            assertNull(registry.find("taipan.dspy.lm.cost").tags("model", MODEL).counter(),
                    "a model with no price has no cost series, not a cost of 0");
            assertEquals(1.0, count(registry, "taipan.dspy.lm.unpriced"));
        }
    }

    @Test
    void failedRunsEvaluationsAndOptimizationsAddTheirLmCalls() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (LocalLmServer server = LocalLmServer.start(TaipanMetricsTest.python());
             TaipanPool pool = pool("m-dspy-failed")) {
            Dspy dspy = Dspy.on(pool).lm(server.lm()).listener(TaipanDspyMetrics.of(registry));
            Program qa = dspy.predict("question -> answer");
            String malformed = "openai/taipan-local-fail-malformed";
            assertThrows(OutputParseException.class,
                    () -> qa.run(Map.of("question", "q"), RunOptions.lm(server.lm("taipan-local-fail-malformed"))));
            assertEquals(1.0, registry.get("taipan.dspy.runs.failed").tags("kind", "predict").counter().count());
            assertNull(registry.find("taipan.dspy.runs").tags("kind", "predict").counter(), "no run returned");
            assertTrue(registry.get("taipan.dspy.lm.calls").tags("model", malformed).counter().count() >= 1);
            assertTrue(registry.get("taipan.dspy.lm.tokens").tags("model", malformed, "type", "prompt").counter()
                    .count() > 0);
            assertTrue(registry.get("taipan.dspy.parse.failures").tags("kind", "predict").counter().count() >= 1);

            List<Example> dev = List.of(Example.of(Map.of("question", "a " + UUID.randomUUID()), Map.of("answer", "x")),
                    Example.of(Map.of("question", "b " + UUID.randomUUID()), Map.of("answer", "y")));
            qa.evaluate(dev, Metric.exactMatch("answer"));
            assertEquals(2.0, count(registry, "taipan.dspy.lm.calls"), "both examples' LM calls");
            qa.optimize(Optimizer.bootstrapFewShot(1, 1), dev, Metric.exactMatch("answer"));
            assertTrue(count(registry, "taipan.dspy.lm.calls") > 2.0, "the optimizer's LM calls too");
            assertNull(registry.find("taipan.dspy.runs").tags("kind", "predict").counter(),
                    "evaluations and optimizations are not runs");
        }
    }

    private static TaipanPool pool(String name) {
        return TaipanPool.start(PoolConfig.builder().name(name).python(TaipanMetricsTest.python())
                .modules("taipan_worker.dspy").workers(1).slots(2).startTimeout(Duration.ofSeconds(90))
                .callTimeout(Duration.ofSeconds(120)).drainTimeout(Duration.ofSeconds(2))
                .killTimeout(Duration.ofSeconds(2)).shutdownHook(false).build());
    }

    private static double count(MeterRegistry registry, String name) {
        return registry.get(name).tags("model", MODEL).counter().count();
    }
}
