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
 * Summarization with ChainOfThought: a one-paragraph summary, a list of key points and a word
 * count, from one document.
 */
public final class Summarization {
    private Summarization() {
    }

    public record Summary(String summary, List<String> keyPoints, long wordCount, String reasoning) {
    }

    static final String DOCUMENT = String.join(" ",
            "Release 4.2 of the billing service ships on 3 June.",
            "It adds invoice export to CSV and PDF, which customers have asked for since last year.",
            "The old XML export is deprecated and will be removed in 5.0.",
            "Database migrations run automatically; the largest customer's migration took 40 minutes in staging,",
            "so the release window is extended to two hours.",
            "Support should expect questions about the new tax breakdown on invoices.");

    public static Summary run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Summarization",
                "ChainOfThought 'document -> summary, key_points: list[str], word_count: int'.");
        Program summarize = dspy.chainOfThought(Signature.builder()
                .instructions("Summarize the release note for the support team.")
                .input("document", FieldType.STR, null)
                .output("summary", FieldType.STR, "one short paragraph")
                .output("key_points", FieldType.listOf(FieldType.STR), "at most five")
                .output("word_count", FieldType.INT, "number of words in the summary")
                .build());
        Prediction p = summarize.run(Map.of("document", DOCUMENT));
        Summary s = new Summary(p.getString("summary"), p.getList("key_points").stream().map(String::valueOf).toList(),
                p.getLong("word_count"), p.reasoning());
        out.println("document:   " + DOCUMENT);
        out.println("summary:    " + s.summary());
        out.println("key points: ");
        s.keyPoints().forEach(k -> out.println("  - " + k));
        out.println("word count: " + s.wordCount());
        return s;
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
