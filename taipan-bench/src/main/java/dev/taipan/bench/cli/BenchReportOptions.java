package dev.taipan.bench.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * How a benchmark reports, the same for every {@code taipan bench} command that prints a report:
 * {@code --json} and {@code --plot [DIR]}, as a picocli {@code @Mixin}, so that each is declared
 * once and means the same everywhere.
 */
final class BenchReportOptions {
    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    // ${COMMAND-NAME} is the command the mixin is in: overhead-p50.png, startup.png, ...
    @Option(names = "--plot", arity = "0..1", paramLabel = "DIR", fallbackValue = BenchCommand.PLOT_DEFAULT,
            description = "Also write the PNG charts (${COMMAND-NAME}*.png) into DIR"
                    + " (default: docs/bench under $TAIPAN_HOME, else under the current directory).")
    String plot;

    /** The directory of {@code --plot}, as {@link BenchCommand#plotDir(String)}. */
    Path plotDir() {
        return BenchCommand.plotDir(plot);
    }
}
