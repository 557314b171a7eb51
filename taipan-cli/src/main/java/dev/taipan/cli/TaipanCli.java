package dev.taipan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code taipan} command line: {@code doctor}, {@code call} and {@code demo}. Usually started
 * through {@code bin/taipan}, which sets {@code TAIPAN_HOME} (the repository root) and
 * {@code TAIPAN_PYTHON_EXEC} (the project venv's Python). {@code bench} and {@code chaos} live in
 * taipan-bench's own jar (this one carries no JMH, Py4J or charts); bin/taipan runs that jar for them.
 */
@Command(name = "taipan",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run Python functions from Java in a supervised pool of Python worker processes.",
        subcommands = {DoctorCommand.class, CallCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  taipan doctor",
                "  taipan call ping",
                "  taipan call taipan_testing.functions:add '[2, 3]'",
                "  taipan call mymodule:score '{\"text\": \"hello\"}' --pythonpath src",
                "  taipan demo                      # the DSPy demo (local LM server; --model for a real one)",
                "  taipan demo pool                 # the pool demo, without DSPy",
                "  taipan bench overhead            # benchmarks (bin/taipan: taipan-bench.jar)",
                "  taipan chaos --quick             # the chaos suite, scaled down (the same)"})
public final class TaipanCli implements Runnable {
    /** Set by bin/taipan to the repository root. */
    static final String HOME_ENV = "TAIPAN_HOME";
    /** Set by bin/taipan to the venv's Python; the default of --python. */
    static final String PYTHON_ENV = "TAIPAN_PYTHON_EXEC";

    @Option(names = "--python", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "Python executable that runs the workers (default: $" + PYTHON_ENV
                    + ", else $" + HOME_ENV + "/.venv/bin/python if it exists, else python3).")
    String python;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Debug logging (pool and worker lifecycle details) on stderr.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (for tests and main). */
    public static int execute(String... args) {
        // The log level must be set before the first logger exists, i.e. before parsing.
        if (Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
        }
        return new CommandLine(new TaipanCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        // `taipan` alone prints help.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The Python executable to use, after applying the defaults. */
    String python() {
        if (python != null && !python.isBlank()) {
            return python;
        }
        String env = System.getenv(PYTHON_ENV);
        if (env != null && !env.isBlank()) {
            return env;
        }
        Path home = home();
        if (home != null) {
            Path venv = home.resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return venv.toString();
            }
        }
        return "python3";
    }

    /** The repository root from $TAIPAN_HOME, or null. */
    static Path home() {
        String home = System.getenv(HOME_ENV);
        return home == null || home.isBlank() ? null : Path.of(home);
    }
}
