package dev.taipan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;

/**
 * The {@code taipan} command line: {@code doctor}, {@code env}, {@code call} and {@code demo}.
 * Usually started through {@code bin/taipan}, which sets {@code TAIPAN_HOME} (the repository root,
 * whose {@code .venv} is then the default Python). {@code bench} and {@code chaos} live in
 * taipan-bench's own jar (this one carries no JMH, Py4J or charts); bin/taipan runs that jar for them.
 *
 * <p>Quiet by default: stdout carries the result, stderr only warnings and errors; {@code -v}
 * and {@code -vv} add the pool's log ({@link Logging}). A usage error is one line and a hint,
 * exit status 2 ({@link UsageErrors}).
 */
@Command(name = "taipan",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run Python functions from Java in a supervised pool of Python worker processes.",
        subcommands = {DoctorCommand.class, EnvCommand.class, CallCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  taipan doctor",
                "  taipan env                       # the Python the CLI uses, and its packages' versions",
                "  taipan env provision --dir .venv -e 'python[test]'  # make an environment there",
                "  taipan call ping",
                "  taipan call taipan_testing.functions:add '[2, 3]'",
                "  taipan call mymodule:score '{\"text\": \"hello\"}' --pythonpath src",
                "  taipan demo                      # the DSPy demo (local LM server; --model for a real one)",
                "  taipan demo pool                 # the pool demo, without DSPy",
                "  taipan bench overhead            # benchmarks (bin/taipan: taipan-bench.jar)",
                "  taipan chaos --quick             # the chaos suite, scaled down (the same)",
                "  taipan -v call ping              # with the pool's log (-vv: debug) on stderr"})
public final class TaipanCli implements Runnable {
    static final String HOME_ENV = PythonChoice.HOME_ENV;
    static final String PYTHON_ENV = PythonChoice.PYTHON_ENV;

    @Option(names = "--python", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "Python executable that runs the workers (default: $" + PYTHON_ENV
                    + ", else $" + HOME_ENV + "/.venv/bin/python if it exists, else python3; `taipan env` shows which"
                    + " and why).")
    String python;

    // A boolean per occurrence: -v, -vv (clustered), -v -v, --verbose --verbose all count.
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More log on stderr: -v the pool's and workers' lifecycle (INFO), -vv details (DEBUG)."
                    + " Without it only warnings and errors.")
    boolean[] verbose = new boolean[0];

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (for tests and main). */
    public static int execute(String... args) {
        TaipanCli cli = new TaipanCli();
        CommandLine cmd = new CommandLine(cli).setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(new UsageErrors());
        // Between parsing and running: the levels must be set before the first logger exists,
        // and only the parsed command line knows the verbosity and the command.
        cmd.setExecutionStrategy(parsed -> {
            CommandLine.ParseResult last = parsed;
            while (last.hasSubcommand()) {
                last = last.subcommand();
            }
            Object command = last.commandSpec().userObject();
            Logging.configure(cli.verbosity(), command instanceof ReportsWorkerFailures,
                    command instanceof EnvProvisionCommand);
            return new CommandLine.RunLast().execute(parsed);
        });
        return cmd.execute(args);
    }

    @Override
    public void run() {
        // `taipan` alone prints help.
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** How many times -v was given. */
    int verbosity() {
        return verbose == null ? 0 : verbose.length;
    }

    /** The Python executable to use, after applying the defaults. */
    String python() {
        return pythonChoice().executable();
    }

    /** The Python executable to use and why (which option, variable or default chose it). */
    PythonChoice pythonChoice() {
        return PythonChoice.of(python, System.getenv());
    }

    /** The repository root from $TAIPAN_HOME, or null. */
    static Path home() {
        return PythonChoice.home(System.getenv());
    }
}
