package dev.taipan.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code taipan bench ...}: benchmarks (see the taipan-bench module). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks of the pool and of DSPy runs through it.",
        subcommands = {BenchOverheadCommand.class, BenchDspyCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.ParentCommand
    TaipanCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
