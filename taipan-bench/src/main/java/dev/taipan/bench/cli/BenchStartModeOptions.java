package dev.taipan.bench.cli;

import picocli.CommandLine.Option;

/**
 * The option {@code bench startup}, {@code bench recovery} and {@code bench memory} share besides
 * {@link BenchReportOptions}, as a picocli {@code @Mixin}; each command adds its own
 * {@code --quick} and the rest.
 */
final class BenchStartModeOptions {
    @Option(names = "--module", paramLabel = "MODULE", defaultValue = "taipan_worker.dspy",
            description = "The module every worker imports (default ${DEFAULT-VALUE}).")
    String module;
}
