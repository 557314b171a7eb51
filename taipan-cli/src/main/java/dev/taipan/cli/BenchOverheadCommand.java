package dev.taipan.cli;

import dev.taipan.bench.OverheadBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code taipan bench overhead}: delegates to {@link OverheadBenchmark} in taipan-bench. */
@Command(name = "overhead", mixinStandardHelpOptions = true,
        description = "Per-call overhead of the pool compared with the raw socket floor.")
final class BenchOverheadCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        return OverheadBenchmark.run(bench.cli.python(), json, System.out);
    }
}
