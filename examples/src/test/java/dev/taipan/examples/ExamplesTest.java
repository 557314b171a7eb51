package dev.taipan.examples;

import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Prediction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs every example against ONE local LM server and ONE pool, and checks what it produced. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("python")
@Tag("dspy")
class ExamplesTest {
    private LocalLmServer server;
    private TaipanPool pool;
    private Dspy dspy;

    @BeforeAll
    void start() {
        String python = Examples.python();
        server = LocalLmServer.start(python);
        try {
            pool = Examples.startPool(python, 2);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        dspy = Dspy.on(pool).lm(server.lm());
    }

    @AfterAll
    void stop() {
        try {
            if (pool != null) {
                pool.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** Runs an example, returns its result; the printed output must carry the placeholder note. */
    private <T> T run(Function<PrintStream, T> example) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        T result;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            result = example.apply(out);
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertTrue(printed.contains(Examples.PLACEHOLDER_NOTE), printed);
        return result;
    }

    @Test
    void basicQa() {
        Prediction p = run(out -> BasicQa.run(dspy, out));
        assertFalse(p.getString("answer").isBlank(), p.toString());
    }

    @Test
    void chainOfThought() {
        Prediction p = run(out -> ChainOfThoughtExample.run(dspy, out));
        assertNotNull(p.reasoning(), p.toString());
        assertInstanceOf(Long.class, p.get("answer"), p.toString());
    }

    @Test
    void classificationLabelsAreAlwaysOneOfTheLabels() {
        List<Classification.Labeled> labeled = run(out -> Classification.run(dspy, out));
        assertEquals(Classification.REVIEWS, labeled.stream().map(Classification.Labeled::review).toList());
        Set<Classification.Sentiment> labels = Set.of(Classification.Sentiment.values());
        labeled.forEach(l -> assertTrue(labels.contains(l.sentiment()), l.toString()));
    }

    @Test
    void entityExtractionGivesListsOfStrings() {
        EntityExtraction.Entities e = run(out -> EntityExtraction.run(dspy, out));
        for (List<String> list : List.of(e.people(), e.organizations(), e.places())) {
            assertFalse(list.isEmpty(), e.toString());
            list.forEach(s -> assertFalse(s.isBlank(), e.toString()));
        }
    }

    @Test
    void ragPromptCarriesTheRetrievedPassages() {
        KeywordRetriever retriever = new KeywordRetriever(KeywordRetriever.CORPUS);
        RagWithJavaRetriever.Result r = run(out -> RagWithJavaRetriever.run(dspy, out));
        // The program got exactly what the retriever returns, and the right passage is among them.
        List<String> expected = retriever.search(RagWithJavaRetriever.QUESTION, 3);
        assertEquals(expected, r.passages());
        assertTrue(expected.get(0).contains("Jorn Utzon"), expected.toString());
        assertFalse(r.prediction().getString("answer").isBlank());
        // The passages reached the LM's prompt: the server counts prompt tokens as characters / 4,
        // and the prompt with the passages is longer than the one without by about their size.
        Prediction empty = RagWithJavaRetriever.program(dspy)
                .run(Map.of("context", List.of(), "question", RagWithJavaRetriever.QUESTION));
        int passageChars = expected.stream().mapToInt(String::length).sum();
        long grew = promptTokens(r.prediction()) - promptTokens(empty);
        assertTrue(grew >= passageChars / 4 * 0.8, "prompt grew by " + grew + " tokens for " + passageChars
                + " characters of passages");
    }

    @SuppressWarnings("unchecked")
    private static long promptTokens(Prediction p) {
        return p.usage().values().stream()
                .mapToLong(u -> ((Number) ((Map<String, Object>) u).get("prompt_tokens")).longValue()).sum();
    }

    @Test
    void multiHopAccumulatesContextAcrossHops() {
        MultiHopQa.Result r = run(out -> MultiHopQa.run(dspy, out));
        assertEquals(MultiHopQa.HOPS, r.hops().size());
        r.hops().forEach(h -> {
            assertFalse(h.query().isBlank(), h.toString());
            assertFalse(h.found().isEmpty(), "a hop found nothing new: " + h);
        });
        assertEquals(r.hops().stream().mapToInt(h -> h.found().size()).sum(), r.context().size(),
                "each hop adds new passages only");
        // Both facts the question needs are in the context: who built the tower, and where he was born.
        assertTrue(r.context().stream().anyMatch(s -> s.contains("company of the engineer Gustave Eiffel")), r.context().toString());
        assertTrue(r.context().stream().anyMatch(s -> s.contains("born in Dijon")), r.context().toString());
        assertNotNull(r.prediction().reasoning());
    }

    @Test
    void translationAnswersEveryLanguage() {
        Map<String, String> t = run(out -> Translation.run(dspy, out));
        assertEquals(Translation.LANGUAGES, List.copyOf(t.keySet()));
        t.values().forEach(v -> assertFalse(v == null || v.isBlank(), t.toString()));
    }

    @Test
    void summarizationHasTypedFields() {
        Summarization.Summary s = run(out -> Summarization.run(dspy, out));
        assertFalse(s.summary().isBlank());
        assertFalse(s.keyPoints().isEmpty());
        assertNotNull(s.reasoning());
    }

    @Test
    void optimizationReturnsAProgramWithDemos() {
        Optimization.Result r = run(out -> Optimization.run(dspy, out));
        assertTrue(r.demos() > 0, "optimized state has no demos: " + r.optimized().state());
        assertTrue(r.before() >= 0 && r.before() <= 100 && r.after() >= 0 && r.after() <= 100, r.toString());
        // The local server labels by the nearest demo, so bootstrapped demos must not make it worse.
        assertTrue(r.after() >= r.before(), r.before() + " -> " + r.after());
        assertTrue(Arrays.asList(Optimization.LABELS).contains(
                r.optimized().run(Map.of("ticket", "refund my double charge")).getString("category")));
    }

    @Test
    void savingAndLoadingRoundTripsTheDemos(@TempDir Path dir) throws Exception {
        SavingAndLoading.Result r = run(out -> SavingAndLoading.run(dspy, out, dir, Examples.python()));
        assertEquals(SavingAndLoading.TRAINSET.size(), r.demosSaved());
        assertEquals(r.demosSaved(), r.demosLoaded());
        assertEquals(r.demosSaved(), r.demosSeenByPlainPython());
        assertTrue(r.topLevelKeys().containsAll(List.of("demos", "signature")), r.topLevelKeys().toString());
        assertTrue(Files.readString(r.file()).contains("Copenhagen"));
        assertEquals("Copenhagen", r.answerToADemoQuestion(), "the loaded demos are in effect");
    }

    @Test
    void retrieverRanksTheMatchingPassageFirst() {
        KeywordRetriever retriever = new KeywordRetriever(KeywordRetriever.CORPUS);
        assertTrue(retriever.search("Golden Gate Bridge chief engineer", 1).get(0).contains("Joseph Strauss"));
        assertEquals(List.of(), retriever.search("zebra", 3));
        assertEquals(2, retriever.search("Copenhagen Denmark", 2).size());
    }
}
