package dev.taipan.bench.cli;

import dev.taipan.bench.Charts;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;

/** {@code taipan bench ...}: benchmarks (see the taipan-bench module). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks of the pool (against peers: a raw socket floor, Py4J, a process per call),"
                + " of DSPy runs through it, and of its start modes (zygote vs. spawn: startup, recovery, memory).",
        subcommands = {BenchOverheadCommand.class, BenchPayloadCommand.class, BenchDspyCommand.class,
                BenchStartupCommand.class, BenchRecoveryCommand.class, BenchMemoryCommand.class,
                BenchJmhCommand.class})
final class BenchCommand implements Runnable {
    /** What {@code --plot} without a directory stands for: {@link Charts#defaultDir()}. */
    static final String PLOT_DEFAULT = "docs/bench";

    @CommandLine.ParentCommand
    BenchCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The directory of {@code --plot}: null without the option, {@link Charts#defaultDir()} without a value. */
    static Path plotDir(String option) {
        if (option == null) {
            return null;
        }
        return option.equals(PLOT_DEFAULT) ? Charts.defaultDir() : Path.of(option);
    }

    /**
     * Raises the log level to {@code level} unless {@code -v}: a benchmark that kills workers on
     * purpose would otherwise log each death (WARN) between its progress lines (all on stderr).
     * No pool exists yet when a benchmark starts, so its loggers are created at this level.
     */
    void quietLogs(String level) {
        if (!cli.verbose) {
            System.setProperty(BenchCli.LOG_LEVEL, level);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
