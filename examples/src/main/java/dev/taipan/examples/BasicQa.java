package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;

import java.io.PrintStream;
import java.util.Map;

/** The smallest DSPy program from Java: {@code dspy.Predict("question -> answer")}, run once. */
public final class BasicQa {
    private BasicQa() {
    }

    public static Prediction run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Basic QA", "A Predict program with the signature 'question -> answer', run once.");
        Program qa = dspy.predict("question -> answer");
        String question = "What is the capital of France?";
        Prediction p = qa.run(Map.of("question", question));
        out.println("question: " + question);
        out.println("answer:   " + p.getString("answer"));
        return p;
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
