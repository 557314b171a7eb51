package dev.taipan.bench;

import dev.taipan.StartMode;
import dev.taipan.TaipanPool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One kill-and-recover measurement of {@code taipan bench recovery}, with the light test module
 * instead of DSPy: the time is positive and the call that ends it was answered by a new process.
 */
@Tag("python")
class RecoveryBenchmarkTest {
    @Test
    @Timeout(30)
    void measuresAKillUntilTheReplacementAnswers() {
        RecoveryBenchmark.Clock clock = new RecoveryBenchmark.Clock();
        TaipanPool pool = TaipanPool.start(RecoveryBenchmark.config("bench-recovery-test", VenvPython.path(),
                "taipan_testing.functions", StartMode.ZYGOTE, clock).startTimeout(Duration.ofSeconds(20)).build());
        try {
            RecoveryBenchmark.Kill kill = RecoveryBenchmark.killAndRecover(pool, clock, Duration.ofSeconds(20));
            assertTrue(kill.ms() > 0, "recovery time: " + kill);
            assertNotEquals(kill.oldPid(), kill.newPid(), "the replacement is a new process: " + kill);
            assertFalse(ProcessHandle.of(kill.oldPid()).map(ProcessHandle::isAlive).orElse(false),
                    "the killed worker is gone: " + kill);
            // The replacement was ready before it answered. (Its start does not wait for the old
            // worker's post-mortem, so the exit event may come before or after it.)
            assertTrue(kill.exitedMs() > 0 && kill.readyMs() > 0 && kill.readyMs() <= kill.ms(), "phases: " + kill);
        } finally {
            StartModes.closeAndAwait(pool);
        }
    }
}
