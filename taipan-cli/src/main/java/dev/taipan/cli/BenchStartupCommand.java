package dev.taipan.cli;

import dev.taipan.bench.StartupBenchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
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

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--plot", arity = "0..1", paramLabel = "DIR", fallbackValue = BenchCommand.PLOT_DEFAULT,
            description = "Also write a PNG chart (startup.png) into DIR"
                    + " (default: docs/bench under $TAIPAN_HOME, else under the current directory).")
    String plot;

    @Option(names = "--quick", description = "One round instead of 3; also TAIPAN_BENCH_QUICK=1.")
    boolean quick;

    @Option(names = "--module", paramLabel = "MODULE", defaultValue = "taipan_worker.dspy",
            description = "The module every worker imports (default ${DEFAULT-VALUE}).")
    String module;

    @Option(names = "--workers", paramLabel = "LIST", defaultValue = "1,4,8",
            description = "Numbers of workers, comma-separated (default ${DEFAULT-VALUE}; 1 is always measured:"
                    + " it is the reference).")
    String workers;

    @Override
    public Integer call() {
        List<Integer> counts = parseCounts(spec, workers);
        if (!bench.cli.verbose) {
            // Pool start/stop lines at INFO would interleave with the progress lines (all on stderr).
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        return StartupBenchmark.run(bench.cli.python(), json, BenchCommand.plotDir(plot), quick, module, counts,
                System.out);
    }

    /** {@code "1,4,8"} -> [1, 4, 8]; a usage error otherwise. */
    static List<Integer> parseCounts(CommandLine.Model.CommandSpec spec, String list) {
        TreeSet<Integer> counts = new TreeSet<>();
        for (String part : list.split(",")) {
            String s = part.strip();
            if (s.isEmpty()) {
                continue;
            }
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--workers: not a number: '" + s + "'");
            }
            if (n < 1 || n > 64) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--workers: each must be 1..64, got " + n);
            }
            counts.add(n);
        }
        if (counts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workers: no number in '" + list + "'");
        }
        return new ArrayList<>(counts);
    }
}
