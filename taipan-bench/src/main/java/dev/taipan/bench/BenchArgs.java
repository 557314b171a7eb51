package dev.taipan.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The command line of a benchmark's own {@code main}: {@code --json}, {@code --plot [DIR]}, the
 * flags it takes (such as {@code --quick}) and its options with one value each. On a bad command
 * line (an unknown argument, a missing value, a value that does not parse) it prints
 * {@code usage: USAGE} and exits with status 2.
 */
final class BenchArgs {
    private final String usage;
    private final List<String> flags;
    private final List<String> options;
    private final Map<String, String> values = new HashMap<>();
    private boolean json;
    private Path plot;

    private BenchArgs(String usage, List<String> flags, List<String> options) {
        this.usage = usage;
        this.flags = flags;
        this.options = options;
    }

    /**
     * Parses {@code args}: {@code --json}, {@code --plot [DIR]} (without DIR:
     * {@link Charts#defaultDir()}), the {@code flags} and the {@code options} (each taking the
     * next argument as its value; the last one given wins).
     */
    static BenchArgs parse(String[] args, String usage, List<String> flags, List<String> options) {
        BenchArgs a = new BenchArgs(usage, flags, options);
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--json")) {
                    a.json = true;
                } else if (arg.equals("--plot")) {
                    a.plot = i + 1 < args.length && !args[i + 1].startsWith("--") ? Path.of(args[++i])
                            : Charts.defaultDir();
                } else if (flags.contains(arg)) {
                    a.values.put(arg, "");
                } else if (options.contains(arg)) {
                    a.values.put(arg, args[++i]);
                } else {
                    throw new IllegalArgumentException(arg);
                }
            }
        } catch (RuntimeException e) {
            a.exitWithUsage();
        }
        return a;
    }

    boolean json() {
        return json;
    }

    /** The directory of {@code --plot}, or null without it. */
    Path plot() {
        return plot;
    }

    /** Whether the flag was given. */
    boolean flag(String name) {
        check(flags, name);
        return values.containsKey(name);
    }

    /** The option's value, or {@code otherwise} if it was not given. */
    String option(String name, String otherwise) {
        return option(name, otherwise, Function.identity());
    }

    /** The option's value parsed, or {@code otherwise} if it was not given; usage if it does not parse. */
    <T> T option(String name, T otherwise, Function<String, T> parse) {
        check(options, name);
        String value = values.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return parse.apply(value);
        } catch (RuntimeException e) {
            exitWithUsage();
            throw e; // not reached
        }
    }

    private static void check(List<String> known, String name) {
        if (!known.contains(name)) {
            throw new IllegalArgumentException("not a declared argument: " + name);
        }
    }

    private void exitWithUsage() {
        System.err.println("usage: " + usage + "   (Python from $TAIPAN_PYTHON_EXEC or $TAIPAN_PYTHON)");
        System.exit(2);
    }
}
