package dev.taipan.bench.cli;

import dev.taipan.bench.OverheadBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Set;
import java.util.concurrent.Callable;

/** {@code taipan bench overhead}: delegates to {@link OverheadBenchmark} in taipan-bench. */
@Command(name = "overhead", mixinStandardHelpOptions = true,
        description = "Per-call overhead of the pool compared with the raw socket floor, Py4J and a Python"
                + " process per call (ProcessBuilder), at 1 and 16 caller threads.")
final class BenchOverheadCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @CommandLine.Mixin
    BenchReportOptions report;

    @Option(names = "--peers", paramLabel = "LIST", defaultValue = "py4j,process",
            description = "Peers besides the floor: py4j, process (a Python process per call), all or none"
                    + " (default ${DEFAULT-VALUE}).")
    String peers;

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
        return OverheadBenchmark.run(bench.cli.python(), report.json, report.plotDir(), chosen, System.out);
    }
}
