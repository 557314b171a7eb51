package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Retrieval-augmented generation where retrieval is Java: {@link KeywordRetriever} (BM25 over
 * an in-code corpus) finds passages, and they go into a ChainOfThought program as its
 * {@code context: list[str]} input. Nothing about retrieval runs in Python.
 */
public final class RagWithJavaRetriever {
    private RagWithJavaRetriever() {
    }

    /** What the example did: the question, the passages the retriever returned (and the program got), the answer. */
    public record Result(String question, List<String> passages, Prediction prediction) {
    }

    static final String QUESTION = "Who designed the Sydney Opera House?";

    /** The RAG program: answer from the given passages. */
    public static Program program(Dspy dspy) {
        return dspy.chainOfThought(Signature.builder()
                .instructions("Answer the question using only the context passages.")
                .input("context", FieldType.listOf(FieldType.STR), "passages that may contain the answer")
                .input("question", FieldType.STR, null)
                .output("answer", FieldType.STR, "a short answer")
                .build());
    }

    public static Result run(Dspy dspy, PrintStream out) {
        return run(dspy, out, new KeywordRetriever(KeywordRetriever.CORPUS), QUESTION);
    }

    public static Result run(Dspy dspy, PrintStream out, KeywordRetriever retriever, String question) {
        Examples.header(out, "RAG with a Java retriever",
                "BM25 in Java picks up to 3 passages; they are the ChainOfThought program's context: list[str] input.");
        List<String> passages = retriever.search(question, 3);          // Java
        Prediction p = program(dspy).run(Map.of("context", passages, "question", question));   // DSPy
        out.println("question: " + question);
        out.println("retrieved (by Java):");
        passages.forEach(s -> out.println("  - " + s));
        out.println("reasoning: " + p.reasoning());
        out.println("answer:    " + p.getString("answer"));
        return new Result(question, passages, p);
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
