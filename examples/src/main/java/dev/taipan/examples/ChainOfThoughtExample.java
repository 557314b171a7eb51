package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code dspy.ChainOfThought}: the program reasons before it answers; the reasoning comes back
 * as {@link Prediction#reasoning()}, and the answer is typed ({@code int} becomes a Java long).
 */
public final class ChainOfThoughtExample {
    private ChainOfThoughtExample() {
    }

    public static Prediction run(Dspy dspy, PrintStream out) {
        Examples.header(out, "ChainOfThought",
                "A ChainOfThought program 'question -> answer: int': reasoning first, then a typed integer answer.");
        Program solver = dspy.chainOfThought("question -> answer: int");
        String question = "A train leaves at 9:40 and arrives at 11:15. How many minutes is the trip?";
        Prediction p = solver.run(Map.of("question", question));
        long minutes = p.getLong("answer");   // typed: the signature says int
        out.println("question:  " + question);
        out.println("reasoning: " + p.reasoning());
        out.println("answer:    " + minutes + " (a Java long)");
        return p;
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
