package dev.taipan.dspy;

import dev.taipan.WorkerInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real DSPy in real workers against the local LM server, through DSPy's LM -> LiteLLM ->
 * HTTP path. One pool and one server for this class, created and closed by it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("python")
@Tag("dspy")
class DspyIntegrationTest {
    private DspyFixture fx;

    @BeforeAll
    void start() {
        fx = new DspyFixture(2);
    }

    @AfterAll
    void stop() {
        fx.close();
    }

    private static final List<String> LABELS = List.of("billing", "shipping", "technical");

    private static Signature ticketSignature() {
        return Signature.builder()
                .instructions("Classify the support ticket.")
                .input("ticket", FieldType.STR, "the customer's message")
                .output("category", FieldType.oneOf(LABELS.toArray(new String[0])), null)
                .output("urgent", FieldType.BOOL, null)
                .output("tags", FieldType.listOf(FieldType.STR), null)
                .output("confidence", FieldType.FLOAT, null)
                .output("steps", FieldType.INT, null)
                .build();
    }

    @Test
    void everyModuleKindRunsWithTypedOutputs() {
        assertTrue(fx.dspy.dspyVersion().startsWith("3."), fx.dspy.dspyVersion());
        for (Program p : List.of(fx.dspy.predict(ticketSignature()), fx.dspy.chainOfThought(ticketSignature()),
                fx.dspy.multiChainComparison(ticketSignature(), 2), fx.dspy.react(ticketSignature(), 2))) {
            Prediction r = p.run(Map.of("ticket", "I was charged twice for my order"));
            assertTrue(LABELS.contains(r.getString("category")), p + " -> " + r);
            assertInstanceOf(Boolean.class, r.get("urgent"), p + " -> " + r);
            assertInstanceOf(List.class, r.get("tags"), p + " -> " + r);
            assertInstanceOf(Long.class, r.get("steps"), p + " -> " + r);
            r.getDouble("confidence");
            if (p.kind().equals("chain_of_thought")) {
                assertNotNull(r.reasoning(), r.toString());
            }
        }
    }

    @Test
    void completionsAndTokenUsageAreReported() {
        Program p = fx.dspy.predict("question -> answer").withConfig(Map.of("n", 3));
        Prediction r = p.run(Map.of("question", "name three colours"));
        assertEquals(3, r.completions().size(), r.toString());
        assertFalse(r.usage().isEmpty(), "the local server reports token usage and DSPy tracks it");
    }

    @Test
    void aWorkerKilledDuringARunFailsThatRunTypedAndTheNextRunWorks() throws Exception {
        try (LocalLmServer slow = LocalLmServer.start(DspyFixture.python(), 5_000)) {
            Program p = fx.dspy.predict("question -> answer");
            java.util.concurrent.CompletableFuture<Prediction> running =
                    p.runAsync(Map.of("question", "slow one"), RunOptions.lm(slow.lm()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && fx.pool.workers().stream().noneMatch(w -> w.inFlight() > 0)) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // polling a bounded wait
            }
            WorkerInfo busy = fx.pool.workers().stream().filter(w -> w.inFlight() > 0).findFirst().orElseThrow();
            ProcessHandle.of(busy.pid()).orElseThrow().destroyForcibly();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> running.get(30, TimeUnit.SECONDS));
            assertInstanceOf(dev.taipan.WorkerCrashedException.class, e.getCause());
        }
        assertFalse(fx.dspy.predict("question -> answer").run(Map.of("question", "after")).getString("answer").isEmpty());
    }

    @Test
    void apiKeysNeverAppearInErrors() {
        String secret = "sk-taipan-test-secret-7f3a9c";
        Lm lm = fx.server.lm("taipan-local-fail-401").apiKey(() -> secret);
        LmAuthException e = assertThrows(LmAuthException.class,
                () -> fx.dspy.predict("question -> answer").run(Map.of("question", "hi"), RunOptions.lm(lm)));
        String everything = e + " " + e.getCause() + " " + ((dev.taipan.PythonException) e.getCause()).pythonTraceback();
        assertFalse(everything.contains(secret), everything);
        assertFalse(lm.toString().contains(secret));
    }

    @Test
    void bothAdaptersWork() {
        Program p = fx.dspy.predict(ticketSignature());
        Prediction chat = p.run(Map.of("ticket", "my parcel is late"), RunOptions.adapter(Adapter.CHAT));
        Prediction json = p.run(Map.of("ticket", "my parcel is late"), RunOptions.adapter(Adapter.JSON));
        assertTrue(LABELS.contains(chat.getString("category")));
        assertTrue(LABELS.contains(json.getString("category")));
        assertInstanceOf(Long.class, json.get("steps"));
    }

    @Test
    void aCompositeRunsItsStepsInOrder() {
        Program pipeline = fx.dspy.composite()
                .step("classify", fx.dspy.predict(Signature.parse("ticket -> category: Literal['billing', 'shipping']")),
                        Map.of("ticket", "input.ticket"))
                .step("reply", fx.dspy.chainOfThought("ticket, category -> answer"),
                        Map.of("ticket", "input.ticket", "category", "classify.category"))
                .output("category", "classify.category")
                .output("answer", "reply.answer")
                .build();
        Prediction r = pipeline.run(Map.of("ticket", "refund please"));
        assertTrue(List.of("billing", "shipping").contains(r.getString("category")), r.toString());
        assertFalse(r.getString("answer").isEmpty());
    }

    @Test
    void batchReturnsPerItemResultsAndErrors() {
        Program p = fx.dspy.predict("question -> answer");
        List<Map<String, ?>> inputs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inputs.add(i == 5 ? Map.of("wrong", "x") : Map.of("question", "q" + i));
        }
        List<BatchResult> results = p.batch(inputs, 4);
        assertEquals(12, results.size());
        for (BatchResult r : results) {
            assertEquals(r.index() != 5, r.ok(), r.toString());
        }
        assertInstanceOf(IllegalArgumentException.class, results.get(5).error());
        List<BatchResult> failing = p.batch(List.of(Map.of("question", "a"), Map.of("question", "b")), 2,
                RunOptions.lm(fx.server.lm("taipan-local-fail-500")));
        assertTrue(failing.stream().noneMatch(BatchResult::ok));
        assertInstanceOf(LmServerException.class, failing.get(0).error());
    }

    @Test
    void stateRoundTripsWithAProgramSavedByPlainPythonDspy(@TempDir Path dir) throws Exception {
        Path saved = dir.resolve("qa.json");
        Process py = new ProcessBuilder(DspyFixture.python(), "-c", String.join("\n",
                "import dspy, sys",
                "p = dspy.Predict('question -> answer')",
                "p.demos = [dspy.Example(question='What is the capital of France?', answer='Paris')]",
                "p.save(sys.argv[1])"), saved.toString()).redirectErrorStream(true).start();
        String out = new String(py.getInputStream().readAllBytes());
        assertTrue(py.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, py.exitValue(), out);

        Program p = fx.dspy.predict("question -> answer").load(saved);
        assertEquals(2, p.version());
        // The local server answers a demo's own input with the demo's output.
        assertEquals("Paris", p.run(Map.of("question", "What is the capital of France?")).getString("answer"));
        assertTrue(p.state().contains("Paris"));

        Path back = dir.resolve("back.json");
        p.save(back);
        Process check = new ProcessBuilder(DspyFixture.python(), "-c", String.join("\n",
                "import dspy, sys",
                "p = dspy.Predict('question -> answer')",
                "p.load(sys.argv[1])",
                "print(p.demos[0]['answer'])"), back.toString()).redirectErrorStream(true).start();
        String loaded = new String(check.getInputStream().readAllBytes());
        assertTrue(check.waitFor(60, TimeUnit.SECONDS));
        assertTrue(loaded.trim().endsWith("Paris"), loaded);
    }

    @Test
    void evaluationWithBuiltInAndJavaMetrics() {
        Program p = fx.dspy.predict(Signature.parse("ticket -> category: Literal['billing', 'shipping']"));
        List<Example> dev = List.of(
                Example.of(Map.of("ticket", "charged twice"), Map.of("category", "billing")),
                Example.of(Map.of("ticket", "parcel lost"), Map.of("category", "shipping")));
        Evaluation builtIn = p.evaluate(dev, Metric.exactMatch("category"));
        assertEquals(2, builtIn.items().size());
        assertTrue(builtIn.score() >= 0 && builtIn.score() <= 100);
        Evaluation java = p.evaluate(dev, Metric.java("is-a-label", (ex, pr) ->
                List.of("billing", "shipping").contains(pr.getString("category")) ? 1 : 0));
        assertEquals(100.0, java.score());
    }

    private static List<Example> tickets(int n, int offset) {
        String[][] templates = {
                {"billing", "I was charged twice on my invoice for order %d, please refund the payment"},
                {"shipping", "my parcel for order %d has not arrived, the tracking shows no delivery"},
                {"technical", "the device from order %d keeps crashing with an error after the update"}};
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] t = templates[(i + offset) % 3];
            out.add(Example.of(Map.of("ticket", String.format(t[1], 1000 + i + offset * 100)), Map.of("category", t[0])));
        }
        return out;
    }

    @Test
    void fewShotOptimizersReturnANewProgramWithDemosThatScoresBetter() {
        Program p = fx.dspy.predict(Signature.parse("ticket -> category: Literal['billing', 'shipping', 'technical']"));
        List<Example> train = tickets(6, 0);
        List<Example> dev = tickets(9, 1);
        Metric metric = Metric.exactMatch("category");
        double before = p.evaluate(dev, metric).score();

        Program labeled = p.optimize(Optimizer.labeledFewShot(6), train, metric);
        assertNotEquals(p.state(), labeled.state());
        assertTrue(labeled.state().contains("charged twice"), labeled.state());
        Program boot = p.optimize(Optimizer.bootstrapFewShot(3, 3), train, metric);
        assertTrue(boot.state().contains("demos"), boot.state());

        double after = labeled.evaluate(dev, metric).score();
        assertEquals(100.0, after, "nearest-demo labels must be right for these templated tickets");
        assertTrue(after > before || before == 100.0, before + " -> " + after);
    }

    @Test
    void miproV2AndGepaRunAtTheirSmallestBudget() {
        Program p = fx.dspy.predict(Signature.parse("ticket -> category: Literal['billing', 'shipping', 'technical']"));
        List<Example> train = tickets(6, 0);
        List<Example> val = tickets(3, 1);
        Program mipro = p.optimize(Optimizer.miproV2("light"), train, val, Metric.exactMatch("category"));
        assertNotNull(mipro.state());
        Program gepa = p.optimize(Optimizer.gepa(12), train, val, Metric.exactMatch("category"));
        assertNotNull(gepa.state());
        assertTrue(LABELS.contains(gepa.run(Map.of("ticket", "charged twice")).getString("category")));
    }

    @Test
    void streamingDeliversFieldPiecesThenThePrediction() {
        Program p = fx.dspy.predict("question -> answer");
        List<StreamChunk> chunks = java.util.Collections.synchronizedList(new ArrayList<>());
        Prediction r = p.stream(Map.of("question", "tell me a story"), chunks::add);
        assertFalse(chunks.isEmpty(), "the LM streamed, so the answer arrives in pieces");
        assertTrue(chunks.stream().allMatch(c -> c.field().equals("answer")), chunks.toString());
        String joined = String.join("", chunks.stream().map(StreamChunk::text).toList());
        assertTrue(joined.contains(r.getString("answer").substring(0, 10)), joined + " vs " + r);
    }

    @Test
    void reactCallsToolsWrittenInJava() {
        List<Map<String, Object>> lookups = java.util.Collections.synchronizedList(new ArrayList<>());
        Tool lookup = Tool.of("lookup_order", "Find an order's status by its id.",
                Map.of("order_id", FieldType.STR), args -> {
                    lookups.add(args);
                    return "order is shipped";
                });
        Tool stock = Tool.of("stock_level", "How many items are in stock.", Map.of("sku", FieldType.STR,
                "warehouse", FieldType.INT), args -> 42);
        Program agent = fx.dspy.react(Signature.parse("question -> answer"), 5, lookup, stock);
        Prediction r = agent.run(Map.of("question", "Where is order ORD-1?"));
        assertEquals(1, lookups.size(), "the agent used the Java tool once");
        assertEquals("Where is order ORD-1?", lookups.get(0).get("order_id"));
        assertFalse(r.getString("answer").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> fx.dspy.react(Signature.parse("q -> a"), 3, lookup, lookup));
    }

    @Test
    void aJavaMetricDrivesAnOptimizer() {
        java.util.concurrent.atomic.AtomicInteger scored = new java.util.concurrent.atomic.AtomicInteger();
        Metric sameLabel = Metric.java("same-label", (ex, pred) -> {
            scored.incrementAndGet();
            return ex.labels().get("category").equals(pred.get("category")) ? 1 : 0;
        });
        Program p = fx.dspy.predict(Signature.parse("ticket -> category: Literal['billing', 'shipping', 'technical']"));
        Program boot = p.optimize(Optimizer.bootstrapFewShot(3, 0), tickets(6, 0), sameLabel);
        assertTrue(scored.get() > 0, "the optimizer called the Java metric back");
        assertTrue(boot.state().contains("demos"));
    }

    @Test
    void dspysDummyLmAnswersInOrder() {
        Program p = fx.dspy.predict("question -> answer");
        Lm dummy = Lm.dummy(List.of(Map.of("answer", "first"), Map.of("answer", "second")));
        assertEquals("first", p.run(Map.of("question", "a"), RunOptions.lm(dummy)).getString("answer"));
    }

    @Test
    void lmFailuresMapToTypedExceptions() {
        Program p = fx.dspy.predict("question -> answer");
        Map<String, String> q = Map.of("question", "hi");
        LmRateLimitException rate = assertThrows(LmRateLimitException.class,
                () -> p.run(q, RunOptions.lm(fx.server.lm("taipan-local-fail-429"))));
        assertTrue(rate.retryable());
        assertTrue(assertThrows(LmServerException.class,
                () -> p.run(q, RunOptions.lm(fx.server.lm("taipan-local-fail-500")))).retryable());
        LmTimeoutException timeout = assertThrows(LmTimeoutException.class,
                () -> p.run(q, RunOptions.lm(fx.server.lm("taipan-local-fail-timeout").timeout(Duration.ofSeconds(1)))));
        assertTrue(timeout.retryable());
        assertFalse(assertThrows(OutputParseException.class,
                () -> p.run(q, RunOptions.lm(fx.server.lm("taipan-local-fail-malformed")))).retryable());
        assertFalse(assertThrows(LmAuthException.class,
                () -> p.run(q, RunOptions.lm(fx.server.lm("taipan-local-fail-401")))).retryable());
        assertFalse(assertThrows(ContextWindowExceededException.class,
                () -> p.run(q, RunOptions.lm(fx.server.lm("taipan-local-fail-context")))).retryable());
    }

    @Test
    void aKilledWorkerLosesNoProgram() throws Exception {
        // Take a fresh program's DSPy state and give its predictor one demo.
        Program fresh = fx.dspy.predict("question -> answer");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode state = json.readTree(fresh.state());
        com.fasterxml.jackson.databind.node.ArrayNode demos = state.findParents("demos").stream()
                .map(n -> (com.fasterxml.jackson.databind.node.ArrayNode) n.get("demos")).findFirst().orElseThrow();
        demos.addObject().put("question", "2+2?").put("answer", "four");
        Program p = fx.dspy.predict("question -> answer").loadState(json.writeValueAsString(state));
        Map<String, String> q = Map.of("question", "2+2?");
        assertEquals("four", p.run(q).getString("answer"));
        // Kill every worker that might hold the program; their replacements have never seen it.
        List<Long> pids = fx.pool.workers().stream().map(WorkerInfo::pid).toList();
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && (fx.pool.stats().ready() < 2
                || fx.pool.workers().stream().anyMatch(w -> pids.contains(w.pid())))) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // polling a bounded wait
        }
        assertTrue(fx.pool.workers().stream().noneMatch(w -> pids.contains(w.pid())));
        assertEquals("four", p.run(q).getString("answer"));
    }
}
