package dev.taipan.dspy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds {@link Evaluation}s: from a worker's answer, or by running a Java metric here. */
final class Evaluations {
    private Evaluations() {
    }

    @SuppressWarnings("unchecked")
    static Evaluation fromWire(Map<String, Object> r, List<Example> devset) {
        List<Map<String, Object>> results = (List<Map<String, Object>>) r.get("results");
        List<Evaluation.Item> items = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Map<String, Object> x = results.get(i);
            Object p = x.get("prediction");
            items.add(new Evaluation.Item(devset.get(i), p == null ? null : Prediction.fromWire(p),
                    ((Number) x.get("score")).doubleValue(), (String) x.get("error")));
        }
        return new Evaluation(((Number) r.get("score")).doubleValue(), items);
    }

    static Evaluation inJava(Program program, List<Example> devset, Metric metric) {
        List<BatchResult> results = program.batch(devset.stream().map(Example::inputs).toList(), 8);
        List<Evaluation.Item> items = new ArrayList<>();
        double total = 0;
        for (BatchResult r : results) {
            Example ex = devset.get(r.index());
            if (!r.ok()) {
                items.add(new Evaluation.Item(ex, null, 0, r.error().toString()));
                continue;
            }
            double s = metric.scorer().score(ex, r.prediction());
            total += s;
            items.add(new Evaluation.Item(ex, r.prediction(), s, null));
        }
        return new Evaluation(devset.isEmpty() ? 0 : 100.0 * total / devset.size(), items);
    }
}
