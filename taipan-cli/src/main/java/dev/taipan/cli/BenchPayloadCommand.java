package dev.taipan.cli;

import dev.taipan.bench.PayloadBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code taipan bench payload}: delegates to {@link PayloadBenchmark} in taipan-bench. */
@Command(name = "payload", mixinStandardHelpOptions = true,
        description = "byte[] of 100 B, 10 kB, 1 MB and 10 MB echoed back by Python: the pool vs. Py4J,"
                + " p50 and MB/s per size, 1 caller.")
final class BenchPayloadCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--plot", arity = "0..1", paramLabel = "DIR", fallbackValue = BenchCommand.PLOT_DEFAULT,
            description = "Also write PNG charts (payload-throughput.png, payload-p50.png) into DIR"
                    + " (default: docs/bench under $TAIPAN_HOME, else under the current directory).")
    String plot;

    @Override
    public Integer call() {
        if (!bench.cli.verbose) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        return PayloadBenchmark.run(bench.cli.python(), json, BenchCommand.plotDir(plot), System.out);
    }
}
