package dev.taipan.cli;

import dev.taipan.bench.RecoveryBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code taipan bench recovery}: delegates to {@link RecoveryBenchmark} in taipan-bench. */
@Command(name = "recovery", mixinStandardHelpOptions = true,
        description = "Time from a worker's SIGKILL to the first call answered by its replacement, with DSPy"
                + " imported: zygote vs. spawn, median and p90 over repeated kills.")
final class BenchRecoveryCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--plot", arity = "0..1", paramLabel = "DIR", fallbackValue = BenchCommand.PLOT_DEFAULT,
            description = "Also write a PNG chart (recovery.png) into DIR"
                    + " (default: docs/bench under $TAIPAN_HOME, else under the current directory).")
    String plot;

    @Option(names = "--quick", description = "3 kills per mode instead of 10; also TAIPAN_BENCH_QUICK=1.")
    boolean quick;

    @Option(names = "--kills", paramLabel = "K", description = "Kills per mode (default 10, quick 3).")
    Integer kills;

    @Option(names = "--module", paramLabel = "MODULE", defaultValue = "taipan_worker.dspy",
            description = "The module every worker imports (default ${DEFAULT-VALUE}).")
    String module;

    @Override
    public Integer call() {
        if (kills != null && kills < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kills must be >= 1, got " + kills);
        }
        if (!bench.cli.verbose) {
            // The pool logs every death at WARN: quieter than that, or the progress lines drown.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        return RecoveryBenchmark.run(bench.cli.python(), json, BenchCommand.plotDir(plot), quick, kills, module,
                System.out);
    }
}
