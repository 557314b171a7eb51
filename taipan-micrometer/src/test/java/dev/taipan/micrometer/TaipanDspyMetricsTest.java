package dev.taipan.micrometer;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private static double count(MeterRegistry registry, String name) {
        return registry.get(name).tags("model", MODEL).counter().count();
    }
}
