package dev.taipan.bench.cli;

import dev.taipan.bench.PayloadBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code taipan bench payload}: delegates to {@link PayloadBenchmark} in taipan-bench. */
@Command(name = "payload", mixinStandardHelpOptions = true,
        description = "byte[] of 100 B, 10 kB, 1 MB and 10 MB echoed back by Python: the pool vs. Py4J,"
                + " p50 and MB/s per size, 1 caller.")
final class BenchPayloadCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @CommandLine.Mixin
    BenchReportOptions report;

    @Override
    public Integer call() {
        return PayloadBenchmark.run(bench.cli.python(), report.json, report.plotDir(), System.out);
    }
}
