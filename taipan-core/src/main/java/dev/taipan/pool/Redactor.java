package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Replaces secret values (the pool's secret environment variables) with {@code ***} in
 * anything Taipan shows: worker log lines and stderr tails, Python error messages and
 * tracebacks. Longest first, so a secret that contains another is hidden whole. Every
 * secret is hidden, however short: a short one also hides every ordinary occurrence of its
 * characters, so {@link #of} warns about it (by name) once, when the pool starts.
 */
final class Redactor {
    private static final Logger LOG = LoggerFactory.getLogger(Redactor.class);
    static final Redactor NONE = new Redactor(List.of());
    /** Secrets shorter than this also match ordinary text: the pool warns about them. */
    static final int SHORT_SECRET_CHARS = 6;

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    static Redactor of(Map<String, String> environment, Set<String> secretNames) {
        return of(environment, secretNames, LOG::warn);
    }

    /** {@link #of(Map, Set)}, with the warning about short secrets (names only) going to {@code warn}. */
    static Redactor of(Map<String, String> environment, Set<String> secretNames, Consumer<String> warn) {
        List<String> values = new ArrayList<>();
        Set<String> shortOnes = new TreeSet<>();
        for (String name : secretNames) {
            String v = environment.get(name);
            if (v == null || v.isEmpty()) {
                continue; // nothing to hide, and replacing "" would mark every gap between characters
            }
            values.add(v);
            if (v.length() < SHORT_SECRET_CHARS) {
                shortOnes.add(name);
            }
        }
        if (!shortOnes.isEmpty()) {
            warn.accept("secret " + (shortOnes.size() == 1 ? "variable " : "variables ") + String.join(", ", shortOnes)
                    + (shortOnes.size() == 1 ? " is" : " are") + " shorter than " + SHORT_SECRET_CHARS
                    + " characters: every occurrence of such a value in logs, stderr tails and Python errors is"
                    + " shown as ***, including where it is ordinary text");
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
