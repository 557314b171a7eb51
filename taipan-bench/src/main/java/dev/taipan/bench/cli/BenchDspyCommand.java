package dev.taipan.bench.cli;

import dev.taipan.bench.DspyBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code taipan bench dspy}: delegates to {@link DspyBenchmark} in taipan-bench. */
@Command(name = "dspy", mixinStandardHelpOptions = true,
        description = "A DSPy program against the local LM server (100 ms latency) at 1, 16, 64 and 256 callers:"
                + " a multi-slot pool vs. the same workers with one call per worker at a time.")
final class BenchDspyCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @CommandLine.Mixin
    BenchReportOptions report;

    @Option(names = "--quick", description = "A short run (about 70 s); also TAIPAN_BENCH_QUICK=1.")
    boolean quick;

    @Option(names = "--workers", defaultValue = "4", description = "Workers of both pools (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--slots", defaultValue = "64", description = "Slots per worker of the multi-slot pool"
            + " (default ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--engine", defaultValue = "auto", description = "DSPy LM engine: auto (DSPy's default,"
            + " what Lm.of(model) users get), litellm (what the tests use) or lm15 (default ${DEFAULT-VALUE}).")
    String engine;

    @Override
    public Integer call() {
        return DspyBenchmark.run(bench.cli.python(), report.json, report.plotDir(), quick, workers, slots, engine, System.out);
    }
}
