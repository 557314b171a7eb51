package dev.taipan.bench.cli;

import dev.taipan.pool.TaipanVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code taipan bench ...} and {@code taipan chaos ...} commands, in a jar of their own
 * ({@code taipan-bench/target/taipan-bench.jar}): they need JMH, Py4J and the chart library,
 * which the CLI jar does not carry. {@code bin/taipan} runs this jar for those two commands and
 * the CLI jar for the others, so both read as one {@code taipan} command line; the options
 * shared with the CLI ({@code --python}, {@code -v}) mean the same here.
 */
@Command(name = "taipan",
        mixinStandardHelpOptions = true,
        versionProvider = BenchCli.Version.class,
        description = "Taipan's benchmarks and chaos suite (the other commands are in the CLI jar).",
        subcommands = {BenchCommand.class, ChaosCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  taipan bench overhead            # per-call overhead against the peers",
                "  taipan chaos --quick             # the chaos suite, scaled down"})
public final class BenchCli implements Runnable {
    /** Set by bin/taipan to the repository root. */
    static final String HOME_ENV = "TAIPAN_HOME";
    /** slf4j-simple's default level, read when the first logger is created. */
    static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
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

    private BenchCli() {
    }

    /**
     * Runs {@code taipan bench ...} or {@code taipan chaos ...} and exits with its status.
     *
     * @param args the command line, starting with {@code bench} or {@code chaos} (or an option)
     */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command line and returns its exit code (for tests and {@link #main}).
     *
     * @param args the command line
     * @return the exit code: 0 on success, 2 for a usage error
     */
    public static int execute(String... args) {
        // The log level must be set before the first logger exists, i.e. before parsing. Quiet
        // by default, as the taipan CLI is: the figures on stdout, progress and warnings on stderr.
        boolean verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        System.setProperty(LOG_LEVEL, verbose ? "debug" : "warn");
        return new CommandLine(new BenchCli()).setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(new UsageErrors()).execute(args);
    }

    @Override
    public void run() {
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
        String home = System.getenv(HOME_ENV);
        if (home != null && !home.isBlank()) {
            Path venv = Path.of(home).resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return venv.toString();
            }
        }
        return "python3";
    }

    /** {@code taipan --version} of this jar: the build version and the Java runtime. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "taipan " + TaipanVersion.get() + " (benchmarks)",
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
            };
        }
    }
}
