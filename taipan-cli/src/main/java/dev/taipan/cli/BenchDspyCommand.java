package dev.taipan.cli;

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

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--plot", arity = "0..1", paramLabel = "DIR", fallbackValue = BenchCommand.PLOT_DEFAULT,
            description = "Also write a PNG chart (dspy-throughput.png) into DIR"
                    + " (default: docs/bench under $TAIPAN_HOME, else under the current directory).")
    String plot;

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
        if (!bench.cli.verbose) {
            // Pool start/stop lines at INFO would interleave with the progress lines (all on stderr).
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        return DspyBenchmark.run(bench.cli.python(), json, BenchCommand.plotDir(plot), quick, workers, slots, engine, System.out);
    }
}
