package com.example.consumer;

import dev.taipan.PoolConfig;
import dev.taipan.PythonEnvironment;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Prediction;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Taipan from a project of its own: a Python environment made from nothing, the project's own
 * Python module, and a DSPy program. What README's "Use it in your project" shows.
 */
public final class App {
    /** What one run saw; the test checks it. */
    public record Result(String greeting, String pythonPrefix, String answer) {
    }

    private App() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    public static Result run(PrintStream out) {
        // A venv in Taipan's cache ($TAIPAN_CACHE_DIR, else ~/.cache/taipan/envs), made on first
        // use with the worker runtime and these requirements, reused after.
        PythonEnvironment python = PythonEnvironment.provisioned()
                .requirements("dspy>=3.3.0,<4", "anyio>=4.1")
                .build();
        PoolConfig config = PoolConfig.builder()
                .python(python)
                .pythonPath(Path.of("src/main/python"))
                .modules("greeter", "taipan_worker.dspy")
                .workers(1)
                .build();
        try (TaipanPool pool = TaipanPool.start(config);
             LocalLmServer lmServer = LocalLmServer.start(python.resolve().command().get(0))) {
            String greeting = pool.call("greeter:greet", List.of("Java"), String.class);
            String prefix = pool.call("greeter:prefix", List.of(), String.class);
            out.println("greeter: " + greeting + " (Python in " + prefix + ")");

            // The local LM server is an offline placeholder; use Lm.of("openai/gpt-4o-mini")... for a model.
            Dspy dspy = Dspy.on(pool).lm(lmServer.lm());
            Prediction p = dspy.predict("question -> answer").run(Map.of("question", "What is Taipan?"));
            out.println("dspy: " + p.getString("answer"));
            return new Result(greeting, prefix, p.getString("answer"));
        }
    }
}
