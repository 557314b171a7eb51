package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Translation into several languages at once: one program, one asynchronous run per target
 * language ({@link Program#runAsync}), joined when all are done.
 */
public final class Translation {
    private Translation() {
    }

    static final String TEXT = "The meeting is moved to Thursday at 10am. Please bring the signed contract.";
    static final List<String> LANGUAGES = List.of("French", "German", "Japanese");

    /** Target language -> translation, in the order of {@link #LANGUAGES}. */
    public static Map<String, String> run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Translation",
                "One program 'text, target_language -> translation', run concurrently for " + LANGUAGES + ".");
        Program translate = dspy.predict(Signature.builder()
                .instructions("Translate the text into the target language. Keep names, dates and times exact.")
                .input("text", FieldType.STR, null)
                .input("target_language", FieldType.STR, null)
                .output("translation", FieldType.STR, null)
                .build());
        Map<String, CompletableFuture<Prediction>> pending = new LinkedHashMap<>();
        for (String language : LANGUAGES) {
            pending.put(language, translate.runAsync(Map.of("text", TEXT, "target_language", language)));
        }
        Map<String, String> translations = new LinkedHashMap<>();
        out.println("text: " + TEXT);
        pending.forEach((language, f) -> {
            translations.put(language, f.join().getString("translation"));
            out.printf("%-9s %s%n", language + ":", translations.get(language));
        });
        return translations;
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
