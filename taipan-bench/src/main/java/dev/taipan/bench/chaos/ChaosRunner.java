package dev.taipan.bench.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code taipan chaos}: runs the chaos scenarios (1 load with kills, 2 JVM killed, 3 failure
 * kinds, 4 soak), prints each one's figures, and returns non-zero if any requirement (a figure
 * that must be zero, or must be all) does not hold.
 */
public final class ChaosRunner {
    public static final int SCENARIOS = 4;

    private ChaosRunner() {
    }

    /** Runs scenario {@code n} (1-4). */
    public static ScenarioResult runScenario(int n, ChaosSettings s) throws Exception {
        return switch (n) {
            case 1 -> LoadWithKills.run(s);
            case 2 -> JvmKilled.run(s);
            case 3 -> FailureKinds.run(s);
            case 4 -> Soak.run(s);
            default -> throw new IllegalArgumentException("no scenario " + n + " (1-" + SCENARIOS + ")");
        };
    }

    /**
     * Runs the scenarios ({@code scenario} 0 for all) and prints them; returns 0 if every
     * requirement held, 1 if one did not, 2 if a scenario could not run.
     */
    public static int run(String python, boolean quick, int scenario, boolean json, PrintStream out) {
        return run(new ChaosSettings(python, quick), scenario, json, out);
    }

    /** Like {@link #run(String, boolean, int, boolean, PrintStream)} with every setting given. */
    public static int run(ChaosSettings s, int scenario, boolean json, PrintStream out) {
        String python = s.python();
        boolean quick = s.quick();
        List<ScenarioResult> results = new ArrayList<>();
        boolean broken = false;
        List<Integer> which = scenario == 0 ? List.of(1, 2, 3, 4) : List.of(scenario);
        if (!json) {
            out.println("taipan chaos (" + (quick ? "quick" : "full") + "), python " + python);
        }
        for (int n : which) {
            ScenarioResult r;
            try {
                r = runScenario(n, s);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                broken = true;
                r = new ScenarioResult(n, "scenario " + n, "", 0,
                        List.of(new Figure("ran to completion", "no: " + e, "yes", false)), List.of());
            }
            results.add(r);
            if (!json) {
                print(r, out);
            }
        }
        boolean passed = results.stream().allMatch(ScenarioResult::passed);
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("mode", quick ? "quick" : "full");
            doc.put("passed", passed);
            doc.put("scenarios", results.stream().map(ChaosRunner::asMap).toList());
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.println();
            out.println(passed ? "chaos: every requirement held" : "chaos: FAILED (see the figures marked FAIL)");
        }
        out.flush();
        return broken ? 2 : passed ? 0 : 1;
    }

    private static Map<String, Object> asMap(ScenarioResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("number", r.number());
        m.put("title", r.title());
        m.put("settings", r.settings());
        m.put("millis", r.millis());
        m.put("passed", r.passed());
        m.put("figures", r.figures());
        m.put("notes", r.notes());
        return m;
    }

    static void print(ScenarioResult r, PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "== %d. %s (%.1f s) %s%n", r.number(), r.title(), r.millis() / 1000.0,
                r.passed() ? "PASS" : "FAIL");
        if (!r.settings().isEmpty()) {
            out.println("   " + r.settings());
        }
        int w = r.figures().stream().mapToInt(f -> f.name().length()).max().orElse(10);
        for (Figure f : r.figures()) {
            String req = f.expected().isEmpty() ? "" : "   [must be " + f.expected() + ": " + (f.ok() ? "ok" : "FAIL") + "]";
            out.printf(Locale.ROOT, "   %-" + w + "s  %s%s%n", f.name(), f.value(), req);
        }
        for (String note : r.notes()) {
            out.println("   note: " + note);
        }
        out.flush();
    }
}
