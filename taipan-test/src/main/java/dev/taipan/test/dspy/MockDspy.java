package dev.taipan.test.dspy;

import dev.taipan.CallOptions;
import dev.taipan.PythonCaller;
import dev.taipan.TaipanException;
import dev.taipan.UnknownFunctionException;
import dev.taipan.dspy.Dspy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A stand-in for a pool in your own unit tests: no Python, no LM. It ships apart from
 * taipan-dspy (artifact {@code taipan-test}, a test-scope dependency, beside {@code taipan-dspy}), as test
 * doubles should not reach production classpaths. {@code Dspy.on(mock)}
 * gives the full {@link Dspy} API; every run answers with what your function returns for
 * the run's inputs, and the mock records each run's inputs.
 *
 * <pre>{@code
 * MockDspy mock = MockDspy.answering(in -> Map.of("answer", "4"));
 * Dspy dspy = Dspy.on(mock).lm(Lm.of("mock/model"));
 * assertEquals("4", dspy.predict("question -> answer").run(Map.of("question", "2+2?")).getString("answer"));
 * }</pre>
 */
public final class MockDspy implements PythonCaller {
    /** The worker module the bridge calls (taipan-dspy's BRIDGE), whose functions this answers. */
    private static final String BRIDGE = "taipan_worker.dspy";

    private final Function<Map<String, Object>, Map<String, Object>> answer;
    private final List<Map<String, Object>> runs = Collections.synchronizedList(new ArrayList<>());

    private MockDspy(Function<Map<String, Object>, Map<String, Object>> answer) {
        this.answer = answer;
    }

    /**
     * Answers each run with {@code answer.apply(inputs)} as the output fields.
     *
     * @param answer the output fields for a run's inputs; called on the caller's thread, possibly
     *               from several threads at once
     * @return the stand-in, to give to {@code Dspy.on}
     * @throws NullPointerException if {@code answer} is null
     */
    public static MockDspy answering(Function<Map<String, Object>, Map<String, Object>> answer) {
        return new MockDspy(java.util.Objects.requireNonNull(answer, "answer"));
    }

    /** {@return the inputs of every run so far, in order; a snapshot} */
    public List<Map<String, Object>> runs() {
        synchronized (runs) {
            return List.copyOf(runs);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object call(String function, Object args, CallOptions options) {
        Map<String, Object> kw = args instanceof Map ? (Map<String, Object>) args : Map.of();
        switch (function) {
            case BRIDGE + ":describe":
                return Map.of("dspy", "mock", "python", "none");
            case BRIDGE + ":run":
                return predict(kw, (Map<String, Object>) kw.get("inputs"));
            case BRIDGE + ":stream": {
                // Each output field arrives as one piece, then the prediction, as from a worker.
                Map<String, Object> p = predict(kw, (Map<String, Object>) kw.get("inputs"));
                java.util.function.Consumer<Object> consumer = options.chunkConsumerOrNull();
                if (consumer != null) {
                    ((Map<String, Object>) p.get("outputs")).forEach((field, value) ->
                            consumer.accept(Map.of("field", field, "chunk", String.valueOf(value))));
                    consumer.accept(Map.of("prediction", p));
                }
                return null;
            }
            case BRIDGE + ":state":
                return Map.of("mock", Map.of("demos", List.of()));
            case BRIDGE + ":evaluate":
                return evaluate(kw);
            case BRIDGE + ":optimize":
                return Map.of("state", Map.of("mock", Map.of("optimizer", ((Map<String, Object>) kw.get("optimizer"))
                        .get("name"), "demos", ((List<?>) kw.get("trainset")).size())), "score", 0.0);
            default:
                throw new UnknownFunctionException(function, "MockDspy answers only the DSPy bridge; "
                        + function + " is not part of it");
        }
    }

    @Override
    public CompletableFuture<Object> callAsync(String function, Object args, CallOptions options) {
        try {
            return CompletableFuture.completedFuture(call(function, args, options));
        } catch (TaipanException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> predict(Map<String, Object> kw, Map<String, Object> inputs) {
        runs.add(inputs);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("outputs", answer.apply(inputs));
        Map<String, Object> program = (Map<String, Object>) kw.get("program");
        Map<String, Object> spec = (Map<String, Object>) program.get("spec");
        boolean reasons = spec != null && "chain_of_thought".equals(spec.get("kind"));
        out.put("reasoning", reasons ? "mock reasoning" : null);
        out.put("completions", List.of());
        out.put("usage", Map.of());
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> evaluate(Map<String, Object> kw) {
        List<Map<String, Object>> devset = (List<Map<String, Object>>) kw.get("devset");
        Map<String, Object> metric = (Map<String, Object>) kw.get("metric");
        String field = (String) metric.get("field");
        List<Object> results = new ArrayList<>();
        double total = 0;
        for (Map<String, Object> ex : devset) {
            Map<String, Object> p = predict(kw, (Map<String, Object>) ex.get("inputs"));
            Object got = ((Map<String, Object>) p.get("outputs")).get(field);
            Object want = ((Map<String, Object>) ex.get("labels")).get(field);
            double s = got != null && want != null && matches(String.valueOf(got), String.valueOf(want),
                    "passage_match".equals(metric.get("name"))) ? 1 : 0;
            total += s;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("prediction", p);
            r.put("score", s);
            r.put("error", null);
            results.add(r);
        }
        return Map.of("score", devset.isEmpty() ? 0.0 : 100.0 * total / devset.size(), "results", results);
    }

    private static boolean matches(String got, String want, boolean passage) {
        String g = got.trim().toLowerCase(java.util.Locale.ROOT);
        String w = want.trim().toLowerCase(java.util.Locale.ROOT);
        return passage ? g.contains(w) : g.equals(w);
    }
}
