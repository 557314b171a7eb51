package dev.taipan.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Example;
import dev.taipan.dspy.Metric;
import dev.taipan.dspy.Optimizer;
import dev.taipan.dspy.Program;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Saving and loading: a program with few-shot demos is saved as JSON, loaded into a fresh
 * program, and has the same demos. The file is DSPy's own format (what Python's
 * {@code program.save("qa.json")} writes), so plain Python DSPy loads it too: this example
 * checks that by running {@code dspy.Predict(...).load(file)} in a separate Python process.
 */
public final class SavingAndLoading {
    private SavingAndLoading() {
    }

    public record Result(Path file, int demosSaved, int demosLoaded, int demosSeenByPlainPython,
                         List<String> topLevelKeys, String answerToADemoQuestion) {
    }

    static final List<Example> TRAINSET = List.of(
            Example.of(Map.of("question", "What is the capital of France?"), Map.of("answer", "Paris")),
            Example.of(Map.of("question", "What is the capital of Denmark?"), Map.of("answer", "Copenhagen")),
            Example.of(Map.of("question", "Who designed the Sydney Opera House?"), Map.of("answer", "Jorn Utzon")));

    public static Result run(Dspy dspy, PrintStream out) {
        try {
            return run(dspy, out, Files.createTempDirectory("taipan-examples"), Examples.python());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves into {@code dir}; {@code python} (one with dspy installed) is used to load the file in plain DSPy. */
    public static Result run(Dspy dspy, PrintStream out, Path dir, String python) {
        Examples.header(out, "Saving and loading",
                "Save a program with demos as DSPy JSON, load it into a fresh program, load it in plain Python DSPy.");
        // A program with 3 demos (LabeledFewShot just takes labelled examples; no LM calls).
        Program qa = dspy.predict("question -> answer")
                .optimize(Optimizer.labeledFewShot(3), TRAINSET, Metric.exactMatch("answer"));
        Path file = dir.resolve("qa.json");
        qa.save(file);
        int saved = Examples.demoCount(qa.state());
        out.println("saved " + saved + " demos to " + file);

        Program fresh = dspy.predict("question -> answer").load(file);   // a fresh program, then its saved state
        int loaded = Examples.demoCount(fresh.state());
        out.println("loaded into a fresh program (version " + fresh.version() + "): " + loaded + " demos");
        // The local server answers an input that matches a demo with that demo's output, so this shows the demos are live.
        String demoQuestion = "What is the capital of Denmark?";
        String answer = fresh.run(Map.of("question", demoQuestion)).getString("answer");
        out.println("fresh program, '" + demoQuestion + "' -> " + answer);

        List<String> keys = topLevelKeys(file);
        out.println("the file is plain DSPy JSON; top-level keys: " + keys);
        String script = "import dspy, sys\n"
                + "p = dspy.Predict('question -> answer')\n"
                + "p.load(sys.argv[1])\n"
                + "print(len(p.demos))\n";
        out.println("loading it in plain Python DSPy:");
        script.lines().forEach(l -> out.println("    " + l));
        int plain = Integer.parseInt(runPython(python, script, file.toString()));
        out.println("  -> " + plain + " demos");
        return new Result(file, saved, loaded, plain, keys, answer);
    }

    private static List<String> topLevelKeys(Path file) {
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            List<String> keys = new ArrayList<>();
            root.fieldNames().forEachRemaining(keys::add);
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a Python script and returns the last line it printed. */
    private static String runPython(String python, String script, String arg) {
        try {
            Process p = new ProcessBuilder(python, "-c", script, arg).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("plain Python DSPy could not load the file:\n" + output);
            }
            List<String> lines = output.strip().lines().toList();
            return lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
