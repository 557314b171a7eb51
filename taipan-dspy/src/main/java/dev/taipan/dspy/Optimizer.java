package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;

/** A DSPy optimizer and its budget. {@link Program#optimize} returns the optimized program. */
public final class Optimizer {
    private final String name;
    private final Map<String, Object> params;

    private Optimizer(String name, Map<String, Object> params) {
        this.name = name;
        this.params = params;
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static int positive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be positive, got " + n);
        }
        return n;
    }

    /**
     * DSPy's {@code LabeledFewShot}: up to {@code k} labeled examples as demos.
     *
     * @param k the most demos, at least 1
     * @return the optimizer
     * @throws IllegalArgumentException if a count is not positive
     */
    public static Optimizer labeledFewShot(int k) {
        return new Optimizer("labeled_few_shot", params("k", positive(k, "k")));
    }

    /**
     * DSPy's {@code BootstrapFewShot}: demos bootstrapped by running the program on the trainset and keeping what the metric accepts.
     *
     * @param maxBootstrappedDemos the most bootstrapped demos per predictor, at least 1
     * @param maxLabeledDemos      the most labeled demos besides them (a negative count is taken as 0)
     * @return the optimizer
     * @throws IllegalArgumentException if a count is not positive
     */
    public static Optimizer bootstrapFewShot(int maxBootstrappedDemos, int maxLabeledDemos) {
        return new Optimizer("bootstrap_few_shot", params("max_bootstrapped_demos",
                positive(maxBootstrappedDemos, "maxBootstrappedDemos"), "max_labeled_demos",
                Math.max(0, maxLabeledDemos), "max_rounds", 1));
    }

    /**
     * DSPy's {@code BootstrapFewShotWithRandomSearch}: bootstraps several candidate programs and keeps the best on the validation set.
     *
     * @param candidatePrograms    how many candidates it tries, at least 1
     * @param maxBootstrappedDemos the most bootstrapped demos per predictor, at least 1
     * @return the optimizer
     * @throws IllegalArgumentException if a count is not positive
     */
    public static Optimizer bootstrapFewShotWithRandomSearch(int candidatePrograms, int maxBootstrappedDemos) {
        return new Optimizer("bootstrap_few_shot_random_search", params("num_candidate_programs",
                positive(candidatePrograms, "candidatePrograms"), "max_bootstrapped_demos",
                positive(maxBootstrappedDemos, "maxBootstrappedDemos")));
    }

    /**
     * MIPROv2 with an automatic budget: {@code "light"}, {@code "medium"} or {@code "heavy"}.
     *
     * @param auto the budget's name
     * @return the optimizer
     * @throws IllegalArgumentException if {@code auto} is another word
     */
    public static Optimizer miproV2(String auto) {
        if (!java.util.Set.of("light", "medium", "heavy").contains(auto)) {
            throw new IllegalArgumentException("miproV2 auto must be light, medium or heavy, got " + auto);
        }
        return new Optimizer("mipro_v2", params("auto", auto));
    }

    /**
     * GEPA with a budget of metric calls; the program's LM also does the reflection.
     *
     * @param maxMetricCalls the most metric calls, at least 1
     * @return the optimizer
     * @throws IllegalArgumentException if a count is not positive
     */
    public static Optimizer gepa(int maxMetricCalls) {
        return new Optimizer("gepa", params("max_metric_calls", positive(maxMetricCalls, "maxMetricCalls")));
    }

    /** {@return the optimizer's name on the wire, e.g. {@code mipro_v2}} */
    public String name() {
        return name;
    }

    Map<String, Object> toWire() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("params", params);
        return m;
    }

    @Override
    public String toString() {
        return "Optimizer{" + name + " " + params + "}";
    }
}
