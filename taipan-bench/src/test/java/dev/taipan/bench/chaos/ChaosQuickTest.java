package dev.taipan.bench.chaos;

import dev.taipan.bench.VenvPython;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short CI version of {@code taipan chaos}: scenarios 1-3 in quick mode (2,000 calls under
 * SIGKILLs, 3 child JVMs SIGKILLed, 2 of each failure kind). Every must-be-zero figure must be
 * zero and every must-be-all figure all. The soak (scenario 4) runs only from the CLI.
 */
@Tag("python")
class ChaosQuickTest {
    private static final ChaosSettings QUICK = new ChaosSettings(VenvPython.path(), true);

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
