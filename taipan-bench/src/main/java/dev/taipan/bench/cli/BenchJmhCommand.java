package dev.taipan.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code taipan bench jmh [--quick] [JMH options] [REGEX...]}: the JMH micro-benchmarks of
 * taipan-bench (the codec: {@code CodecBenchmark}; the routing: {@code RoutingBenchmark}),
 * run by JMH's own command line, which gets every argument but {@code --quick}. JMH forks a
 * JVM per benchmark with this jar's class path.
 */
@Command(name = "jmh",
        description = "JMH micro-benchmarks of the wire codec (encode/decode a call and a result frame, small and"
                + " 10 KB) and of the routing (least-busy worker among 1/4/8). Other arguments go to JMH:"
                + " a regex selects benchmarks (Codec, Routing), -h lists JMH's options (-f, -wi, -i, -prof gc, ...).")
final class BenchJmhCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCommand bench;

    @Option(names = "--quick", description = "Shorter iterations (about 40 s instead of about 2 min).")
    boolean quick;

    @CommandLine.Unmatched
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        List<String> args = new ArrayList<>();
        if (quick) {
            args.addAll(List.of("-wi", "2", "-w", "500ms", "-i", "3", "-r", "500ms"));
        }
        args.addAll(jmhArgs); // later options win
        org.openjdk.jmh.Main.main(args.toArray(new String[0])); // exits with JMH's status on an error
        return 0;
    }
}
