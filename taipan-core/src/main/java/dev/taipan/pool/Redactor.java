package dev.taipan.pool;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces secret values (the pool's secret environment variables) with {@code ***} in
 * anything Taipan shows: worker log lines and stderr tails, Python error messages and
 * tracebacks. Longest first, so a secret that contains another is hidden whole.
 */
final class Redactor {
    static final Redactor NONE = new Redactor(List.of());
    /** Shorter values would blank out ordinary words; they are not treated as secrets. */
    private static final int MIN_SECRET_CHARS = 6;

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    static Redactor of(Map<String, String> environment, Set<String> secretNames) {
        List<String> values = new ArrayList<>();
        for (String name : secretNames) {
            String v = environment.get(name);
            if (v != null && v.length() >= MIN_SECRET_CHARS) {
                values.add(v);
            }
        }
        values.sort(Comparator.comparingInt(String::length).reversed());
        return values.isEmpty() ? NONE : new Redactor(List.copyOf(values));
    }

    String redact(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (String s : secrets) {
            if (out.contains(s)) {
                out = out.replace(s, "***");
            }
        }
        return out;
    }

    /**
     * Where to cut {@code text} if it is to be continued in another piece: before any ending
     * that is the beginning of a secret, so that no secret is split across two pieces (each
     * of which would be redacted alone). {@code text.length()} when nothing needs holding back.
     */
    int safeCut(String text) {
        int cut = text.length();
        for (String s : secrets) {
            for (int k = Math.min(s.length() - 1, text.length()); k > 0; k--) {
                if (text.regionMatches(text.length() - k, s, 0, k)) {
                    cut = Math.min(cut, text.length() - k);
                    break;
                }
            }
        }
        return cut;
    }
}
