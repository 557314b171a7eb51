package dev.taipan.bench.cli;

import dev.taipan.bench.StartupBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code taipan bench startup}: delegates to {@link StartupBenchmark} in taipan-bench. */
@Command(name = "startup", mixinStandardHelpOptions = true,
        description = "Time until N workers are ready (N = 1, 4, 8) with DSPy imported: zygote vs. spawning N"
                + " at once vs. spawning them one at a time; the cold start of one spawned worker as the reference.")
final class BenchStartupCommand implements Callable<Integer> {
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

    @Option(names = "--workers", paramLabel = "LIST", defaultValue = "1,4,8",
            description = "Numbers of workers, comma-separated (default ${DEFAULT-VALUE}; 1 is always measured:"
                    + " it is the reference).")
    String workers;

    @Override
    public Integer call() {
        List<Integer> counts = parseCounts(spec, workers);
        return StartupBenchmark.run(bench.cli.python(), report.json, report.plotDir(), quick, options.module, counts,
                System.out);
    }

    /** {@code "1,4,8"} -> [1, 4, 8]; a usage error otherwise. */
    static List<Integer> parseCounts(CommandLine.Model.CommandSpec spec, String list) {
        try {
            return StartupBenchmark.parseWorkers(list);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers: " + e.getMessage());
        }
    }
}
