package dev.taipan.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The options {@code bench startup}, {@code bench recovery} and {@code bench memory} share, as a
 * picocli {@code @Mixin}; each command adds its own {@code --quick} and the rest.
 */
final class BenchStartModeOptions {
    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    // ${COMMAND-NAME} is the command the mixin is in: startup.png, recovery.png, memory.png.
    @Option(names = "--plot", arity = "0..1", paramLabel = "DIR", fallbackValue = BenchCommand.PLOT_DEFAULT,
            description = "Also write a PNG chart (${COMMAND-NAME}.png) into DIR"
                    + " (default: docs/bench under $TAIPAN_HOME, else under the current directory).")
    String plot;

    @Option(names = "--module", paramLabel = "MODULE", defaultValue = "taipan_worker.dspy",
            description = "The module every worker imports (default ${DEFAULT-VALUE}).")
    String module;

    /** The directory of {@code --plot}, as {@link BenchCommand#plotDir(String)}. */
    Path plotDir() {
        return BenchCommand.plotDir(plot);
    }
}
