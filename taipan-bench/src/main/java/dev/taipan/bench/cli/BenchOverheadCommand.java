package dev.taipan.bench.cli;

import dev.taipan.bench.ObservabilityOverhead;
import dev.taipan.bench.OverheadBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Set;
import java.util.concurrent.Callable;

/** {@code taipan bench overhead}: delegates to {@link OverheadBenchmark} in taipan-bench. */
@Command(name = "overhead", mixinStandardHelpOptions = true,
        description = "Per-call overhead of the pool compared with the raw socket floor, Py4J and a Python"
                + " process per call (ProcessBuilder), at 1 and 16 caller threads; with --observe, also the"
                + " cost of metrics and tracing (the same pool with TaipanMetrics, and with TaipanTracing).")
final class BenchOverheadCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @CommandLine.Mixin
    BenchReportOptions report;

    @Option(names = "--peers", paramLabel = "LIST", defaultValue = "py4j,process",
            description = "Peers besides the floor: py4j, process (a Python process per call), all or none"
                    + " (default ${DEFAULT-VALUE}).")
    String peers;

    @Option(names = "--observe", paramLabel = "LIST", arity = "0..1", fallbackValue = "all",
            description = "Also measure metrics and tracing: a pool per level in the same rounds, against the plain"
                    + " pool (off): off, metrics, tracing (metrics + tracing), all or none. Without a value: all;"
                    + " without the option: none.")
    String observe;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Set<OverheadBenchmark.Peer> chosen;
        try {
            chosen = OverheadBenchmark.Peer.parse(peers);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--peers: " + e.getMessage());
        }
        Set<ObservabilityOverhead.Level> levels;
        try {
            levels = observe == null ? Set.of() : ObservabilityOverhead.Level.parse(observe);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--observe: " + e.getMessage());
        }
        return OverheadBenchmark.run(bench.cli.python(), report.json, report.plotDir(), chosen, levels, System.out);
    }
}
