package dev.taipan.bench.cli;

import dev.taipan.bench.MemoryBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code taipan bench memory}: delegates to {@link MemoryBenchmark} in taipan-bench. */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Proportional set size (PSS) per worker with DSPy imported, 4 workers: forked from a zygote"
                + " vs. spawned; RSS and the zygote's own PSS too.")
final class BenchMemoryCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    BenchReportOptions report;

    @CommandLine.Mixin
    BenchStartModeOptions options;

    @Option(names = "--quick", description = "One round instead of 3; also TAIPAN_BENCH_QUICK=1.")
    boolean quick;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
            description = "Workers per pool (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--dspy-runs", paramLabel = "K", defaultValue = "10",
            description = "DSPy Predict calls per worker before the second reading (default ${DEFAULT-VALUE};"
                    + " 0 skips it; only with taipan_worker.dspy).")
    int dspyRuns;

    @Override
    public Integer call() {
        if (workers < 1 || workers > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers must be 1..64, got " + workers);
        }
        if (dspyRuns < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dspy-runs must be >= 0, got " + dspyRuns);
        }
        return MemoryBenchmark.run(bench.cli.python(), report.json, report.plotDir(), quick, options.module,
                workers, dspyRuns, System.out);
    }
}
