package dev.taipan.examples;

import dev.taipan.dspy.BatchResult;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Classification into a fixed set of labels: the output field's type is a Java enum (DSPy's
 * {@code Literal}), so the answer is always one of the labels and converts back to the enum.
 * Many texts are classified at once with {@link Program#batch}.
 */
public final class Classification {
    private Classification() {
    }

    /** The labels. {@code FieldType.oneOf(Sentiment.class)} makes them the field's only allowed values. */
    public enum Sentiment { positive, negative, neutral }

    /** One classified review. */
    public record Labeled(String review, Sentiment sentiment) {
    }

    static final List<String> REVIEWS = List.of(
            "Arrived a day early and works perfectly. Love it!",
            "Broke after two days and support never answered.",
            "It is a phone case. It holds the phone.",
            "Great sound, terrible battery life.");

    public static List<Labeled> run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Classification",
                "Sentiment of product reviews; the label field is typed with a Java enum, run as a batch of "
                        + REVIEWS.size() + ".");
        Signature sig = Signature.builder()
                .instructions("Classify the sentiment of the product review.")
                .input("review", FieldType.STR, "a customer's product review")
                .output("sentiment", FieldType.oneOf(Sentiment.class), null)
                .build();
        Program classifier = dspy.predict(sig);

        List<Map<String, ?>> inputs = REVIEWS.stream().<Map<String, ?>>map(r -> Map.of("review", r)).toList();
        List<Labeled> labeled = new ArrayList<>();
        for (BatchResult r : classifier.batch(inputs, 4)) {
            if (!r.ok()) {
                throw r.error();   // a batch never throws for one item: each result holds its own error
            }
            Labeled l = new Labeled(REVIEWS.get(r.index()), r.prediction().get("sentiment", Sentiment.class));
            labeled.add(l);
            out.printf("%-9s %s%n", l.sentiment(), l.review());
        }
        return labeled;
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
