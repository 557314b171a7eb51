package dev.taipan.bench.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short CI version of {@code taipan chaos}: scenarios 1-3 in quick mode (2,000 calls under
 * SIGKILLs, 3 child JVMs SIGKILLed, 2 of each failure kind). Every must-be-zero figure must be
 * zero and every must-be-all figure all. The soak (scenario 4) runs only from the CLI.
 */
class ChaosQuickTest {
    private static final ChaosSettings QUICK = new ChaosSettings(python(), true);

    static String python() {
        String p = System.getProperty("taipan.python");
        if (p != null && Files.isExecutable(Path.of(p))) {
            return p;
        }
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path venv = dir.resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return venv.toString();
            }
        }
        throw new IllegalStateException("no project venv (-Dtaipan.python or .venv/bin/python)");
    }

    private static void check(ScenarioResult r) {
        ChaosRunner.print(r, System.out);
        String failed = r.figures().stream().filter(f -> !f.ok())
                .map(f -> f.name() + " = " + f.value() + " (must be " + f.expected() + ")")
                .collect(Collectors.joining("; "));
        assertTrue(r.passed(), "scenario " + r.number() + " " + r.title() + ": " + failed + "; notes: " + r.notes());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void loadWithKillsLosesNothingAndRetriesEveryIdempotentCall() throws Exception {
        check(LoadWithKills.run(QUICK));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void noWorkerOutlivesItsJvmKilledWithSigkill() throws Exception {
        check(JvmKilled.run(QUICK));
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyFailureKindIsTypedAndThePoolHeals() throws Exception {
        check(FailureKinds.run(QUICK));
    }
}
