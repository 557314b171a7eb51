package dev.taipan.bench.cli;

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

    @CommandLine.Mixin
    BenchReportOptions report;

    @CommandLine.Mixin
    BenchStartModeOptions options;

    @Option(names = "--quick", description = "3 kills per mode instead of 10; also TAIPAN_BENCH_QUICK=1.")
    boolean quick;

    @Option(names = "--kills", paramLabel = "K", description = "Kills per mode (default 10, quick 3).")
    Integer kills;

    @Override
    public Integer call() {
        if (kills != null && kills < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kills must be >= 1, got " + kills);
        }
        bench.quietLogs("error"); // the pool logs every death at WARN: quieter, or the progress lines drown
        return RecoveryBenchmark.run(bench.cli.python(), report.json, report.plotDir(), quick, kills,
                options.module, System.out);
    }
}
