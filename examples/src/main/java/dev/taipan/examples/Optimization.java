package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Example;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Metric;
import dev.taipan.dspy.Optimizer;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Optimization: evaluate a classifier on a devset, optimize it with DSPy's
 * {@code BootstrapFewShot} on a trainset, evaluate the optimized program again. Evaluation and
 * optimization run in the workers; the optimized program is a new {@link Program} whose state
 * holds the chosen demos.
 *
 * <p>The local server picks a label from the few-shot demo most like the input (and guesses
 * without demos), so the demos make the score go up here as they would with a real model; the
 * numbers themselves mean nothing about any model.
 */
public final class Optimization {
    private Optimization() {
    }

    public record Result(double before, double after, int demos, Program optimized) {
    }

    static final String[] LABELS = {"billing", "shipping", "technical"};

    public static Result run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Optimization",
                "BootstrapFewShot on a ticket classifier, with exact-match accuracy before and after.");
        Program classifier = dspy.predict(Signature.builder()
                .instructions("Classify the support ticket.")
                .input("ticket", FieldType.STR, null)
                .output("category", FieldType.oneOf(LABELS), null)
                .build());
        List<Example> trainset = tickets(9, 0);
        List<Example> devset = tickets(12, 100);
        Metric metric = Metric.exactMatch("category");

        double before = classifier.evaluate(devset, metric).score();
        Program optimized = classifier.optimize(Optimizer.bootstrapFewShot(4, 4), trainset, metric);
        double after = optimized.evaluate(devset, metric).score();
        int demos = Examples.demoCount(optimized.state());

        out.printf("trainset %d, devset %d, metric %s%n", trainset.size(), devset.size(), metric);
        out.printf("accuracy before: %.1f%%%n", before);
        out.printf("accuracy after:  %.1f%%  (%d demos in the optimized program's state)%n", after, demos);
        return new Result(before, after, demos, optimized);
    }

    /** Labelled tickets made from a few phrasings per category. */
    static List<Example> tickets(int n, int seed) {
        String[][] phrasings = {
                {"billing", "I was charged twice for order %d, please refund one payment"},
                {"shipping", "order %d has not arrived yet and the tracking page shows no delivery update"},
                {"technical", "the app crashes with an error every time I open order %d after the update"},
                {"billing", "my invoice for order %d shows the wrong amount and an extra fee"},
                {"shipping", "the parcel with order %d was delivered to the wrong address"},
                {"technical", "I cannot log in to see order %d, the password reset link gives an error"}};
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] p = phrasings[(i + seed) % phrasings.length];
            out.add(Example.of(Map.of("ticket", String.format(p[1], 1000 + seed + i)), Map.of("category", p[0])));
        }
        return out;
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
