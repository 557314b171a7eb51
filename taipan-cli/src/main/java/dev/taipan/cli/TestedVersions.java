package dev.taipan.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Python package versions this Taipan was built and tested with: the ranges it accepts,
 * from python/pyproject.toml ({@code dependencies} and {@code optional-dependencies}), and the
 * exact versions its tests ran with, from python/requirements-lock.txt; taipan-worker is this
 * Taipan's own version. The build copies both files into the jar, so a jar knows its pins
 * without the repository next to it.
 */
final class TestedVersions {
    static final String RESOURCE = "/dev/taipan/cli/pyproject.toml";
    static final String LOCK_RESOURCE = "/dev/taipan/cli/requirements-lock.txt";
    /** A line of a pip freeze: {@code name==version}. */
    private static final Pattern LOCKED = Pattern.compile("(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\\s;#]+)");
    /** A quoted dependency string, e.g. {@code "dspy==3.4.1; python_version >= '3.10'"}. */
    private static final Pattern QUOTED = Pattern.compile("\"([A-Za-z0-9][A-Za-z0-9._-]*)\\s*([^\";]*)(?:;([^\"]*))?\"");

    private final Map<String, Requirement> pins;

    private TestedVersions(Map<String, Requirement> pins) {
        this.pins = pins;
    }

    /** The pins in the jar's copies of python/pyproject.toml and python/requirements-lock.txt. */
    static TestedVersions bundled() {
        return parse(resource(RESOURCE), resource(LOCK_RESOURCE), dev.taipan.pool.TaipanVersion.pythonVersion());
    }

    private static String resource(String name) {
        try (InputStream in = TestedVersions.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not in the jar (the build copies it from python/)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The first requirement of each distribution in pyproject's dependency lists, each with the
     * version the lock file says was tested, and taipan-worker at {@code workerVersion} (the
     * worker package is this repository's).
     */
    static TestedVersions parse(String pyproject, String lock, String workerVersion) {
        Map<String, String> locked = new LinkedHashMap<>();
        Matcher l = LOCKED.matcher(lock);
        while (l.find()) {
            locked.put(normalize(l.group(1)), l.group(2));
        }
        // Comments first: they quote names too (# DSPy's own "optuna" extra).
        pyproject = pyproject.replaceAll("(?m)[ \\t]*#.*$", "");
        Map<String, Requirement> pins = new LinkedHashMap<>();
        pins.put("taipan-worker", new Requirement("taipan-worker", "==" + workerVersion, "", workerVersion));
        String project = section(pyproject, "project");
        for (String lists : List.of(listOf(project, "dependencies"), section(pyproject, "project.optional-dependencies"))) {
            Matcher m = QUOTED.matcher(lists);
            while (m.find()) {
                String name = normalize(m.group(1));
                pins.putIfAbsent(name, new Requirement(name, m.group(2).strip(), m.group(3) == null ? "" : m.group(3).strip(),
                        locked.get(name)));
            }
        }
        return new TestedVersions(pins);
    }

    /** The pin of a distribution, or null if pyproject.toml does not name it. */
    Requirement of(String name) {
        return pins.get(normalize(name));
    }

    /** The body of {@code [name]}, up to the next table header. */
    private static String section(String toml, String name) {
        Matcher header = Pattern.compile("(?m)^\\[" + Pattern.quote(name) + "]\\s*$").matcher(toml);
        if (!header.find()) {
            return "";
        }
        Matcher next = Pattern.compile("(?m)^\\[").matcher(toml);
        int end = next.find(header.end()) ? next.start() : toml.length();
        return toml.substring(header.end(), end);
    }

    /** The array {@code key = [...]} of a section. */
    private static String listOf(String section, String key) {
        Matcher m = Pattern.compile("(?ms)^" + Pattern.quote(key) + "\\s*=\\s*\\[(.*?)^]").matcher(section);
        return m.find() ? m.group(1) : "";
    }

    /** PEP 503: case and runs of {@code -_.} do not matter. */
    static String normalize(String name) {
        return name.toLowerCase().replaceAll("[-_.]+", "-");
    }

    /** A PEP 508 requirement, reduced to what pyproject.toml uses: specifiers and simple markers. */
    record Requirement(String name, String specifier, String marker, String tested) {
        /** E.g. {@code 3.4.1 (accepts >=3.3.0,<4; python_version >= '3.10')}; {@code any} without a specifier. */
        String describe() {
            String accepts = (specifier.isEmpty() ? "any" : specifier) + (marker.isEmpty() ? "" : "; " + marker);
            return tested == null || specifier.equals("==" + tested) ? accepts : tested + " (accepts " + accepts + ")";
        }

        /** Whether {@code version} is the one the tests ran with (or, with no lock entry, one the range accepts). */
        boolean isTested(String version) {
            return tested == null ? matches(version) : tested.equals(version);
        }

        /** Whether this interpreter needs the package at all (its marker holds). */
        boolean appliesTo(Map<String, String> markerValues) {
            return marker.isEmpty() || Markers.holds(marker, markerValues);
        }

        /** Whether {@code version} satisfies every comma-separated specifier. */
        boolean matches(String version) {
            for (String clause : specifier.split(",")) {
                if (!clause.isBlank() && !Versions.satisfies(version, clause.strip())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Just enough of PEP 508 markers: comparisons joined by {@code and} / {@code or}. */
    static final class Markers {
        private static final Pattern COMPARISON = Pattern.compile("\\s*([a-z_]+)\\s*(==|!=|>=|<=|>|<)\\s*['\"]([^'\"]*)['\"]\\s*");

        private Markers() {
        }

        static boolean holds(String marker, Map<String, String> values) {
            for (String alternative : marker.split("\\bor\\b")) {
                boolean all = true;
                for (String clause : alternative.split("\\band\\b")) {
                    all &= clause(clause, values);
                }
                if (all) {
                    return true;
                }
            }
            return false;
        }

        private static boolean clause(String clause, Map<String, String> values) {
            Matcher m = COMPARISON.matcher(clause);
            String actual = m.matches() ? values.get(m.group(1)) : null;
            if (actual == null) {
                return true; // a marker this reader does not know: assume the package is wanted
            }
            String op = m.group(2);
            String wanted = m.group(3);
            if (m.group(1).startsWith("python")) {
                return Versions.satisfies(actual, op + wanted);
            }
            return switch (op) {
                case "==" -> actual.equals(wanted);
                case "!=" -> !actual.equals(wanted);
                default -> true;
            };
        }
    }

    /** Release-number comparison (PEP 440 without pre-, post- and dev-release ordering). */
    static final class Versions {
        private static final Pattern SPEC = Pattern.compile("(===|==|!=|~=|>=|<=|>|<)\\s*(\\S+)");

        private Versions() {
        }

        static boolean satisfies(String version, String specifier) {
            Matcher m = SPEC.matcher(specifier);
            if (!m.matches()) {
                return true; // nothing this reader understands to compare with
            }
            String op = m.group(1);
            String wanted = m.group(2);
            if (wanted.endsWith(".*")) {
                boolean prefix = (version + ".").startsWith(wanted.substring(0, wanted.length() - 1));
                return op.equals("!=") != prefix;
            }
            int c = compare(version, wanted);
            return switch (op) {
                case "==", "===" -> c == 0;
                case "!=" -> c != 0;
                case ">=" -> c >= 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case "<" -> c < 0;
                case "~=" -> c >= 0 && compatible(version, wanted);
                default -> true;
            };
        }

        /** {@code ~=1.4.2} means {@code >=1.4.2, ==1.4.*}. */
        private static boolean compatible(String version, String wanted) {
            List<Integer> w = release(wanted);
            List<Integer> v = release(version);
            for (int i = 0; i < w.size() - 1; i++) {
                if (i >= v.size() || !v.get(i).equals(w.get(i))) {
                    return false;
                }
            }
            return true;
        }

        static int compare(String a, String b) {
            List<Integer> x = release(a);
            List<Integer> y = release(b);
            for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
                int c = Integer.compare(i < x.size() ? x.get(i) : 0, i < y.size() ? y.get(i) : 0);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        }

        /** The leading release numbers: {@code 3.4.1rc1} -> [3, 4, 1]. */
        private static List<Integer> release(String version) {
            List<Integer> out = new ArrayList<>();
            for (String part : version.strip().replaceFirst("^[vV]", "").split("\\.")) {
                Matcher digits = Pattern.compile("^(\\d+)").matcher(part);
                if (!digits.find()) {
                    break;
                }
                out.add(Integer.parseInt(digits.group(1)));
                if (digits.end() < part.length()) {
                    break;
                }
            }
            return out;
        }
    }
}
