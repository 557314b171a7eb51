package dev.taipan.bench.chaos;

import java.util.List;

/** The figures of one scenario, its settings and notes; {@link #passed()} if every requirement holds. */
public record ScenarioResult(int number, String title, String settings, long millis, List<Figure> figures,
                             List<String> notes) {
    public boolean passed() {
        return figures.stream().allMatch(Figure::ok);
    }
}
