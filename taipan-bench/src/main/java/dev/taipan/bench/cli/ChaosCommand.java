package dev.taipan.bench.cli;

import dev.taipan.bench.chaos.ChaosRunner;
import dev.taipan.bench.chaos.ChaosSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code taipan chaos}: delegates to {@link ChaosRunner} in taipan-bench. */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Chaos suite: load with SIGKILLs, the JVM SIGKILLed, each kind of worker failure, "
                + "and a soak with recycling. Exits non-zero if a must-be-zero figure is not zero "
                + "or a must-be-all figure is not all.",
                "Full run: about 13 minutes (the soak alone is 10); --quick: about a minute."})
final class ChaosCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    BenchCli cli;

    @Option(names = "--quick", description = "Scaled-down run (2,000 calls, 3 JVM runs, 2 of each failure, 20 s soak).")
    boolean quick;

    @Option(names = "--scenario", paramLabel = "N",
            description = "Run only scenario N: 1 load with kills, 2 JVM killed, 3 failure kinds, 4 soak.")
    int scenario;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Option(names = "--soak-seconds", paramLabel = "S",
            description = "Length of the soak (scenario 4) in seconds; default 600 (20 with --quick). "
                    + "Levelling off is judged from 300 s.")
    long soakSeconds;

    @Option(names = "--inject-leak", paramLabel = "MIB",
            description = "Keep MIB MiB of JVM heap per soak sample: a leak the levelling rule must catch.")
    int injectLeakMib;

    @Override
    public Integer call() {
        if (scenario < 0 || scenario > ChaosRunner.SCENARIOS) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--scenario must be between 1 and " + ChaosRunner.SCENARIOS + ", got " + scenario);
        }
        if (soakSeconds < 0 || injectLeakMib < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--soak-seconds and --inject-leak must be >= 0");
        }
        return ChaosRunner.run(new ChaosSettings(cli.python(), quick, soakSeconds, injectLeakMib), scenario, json,
                System.out);
    }
}
