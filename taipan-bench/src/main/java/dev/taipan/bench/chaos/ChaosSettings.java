package dev.taipan.bench.chaos;

/**
 * What a chaos run does: the Python to use, whether to run the scaled-down (quick) version,
 * and two soak knobs: its length in seconds (0: the mode's default) and a leak to inject, in
 * MiB of heap kept per sample (0: none), which shows that the levelling rule catches a leak.
 */
public record ChaosSettings(String python, boolean quick, long soakSecondsOverride, int injectLeakMib) {
    public ChaosSettings {
        if (soakSecondsOverride < 0 || injectLeakMib < 0) {
            throw new IllegalArgumentException("soak seconds and injected leak must be >= 0");
        }
    }

    public ChaosSettings(String python, boolean quick) {
        this(python, quick, 0, 0);
    }

    // Scenario 1: load with kills
    int loadCalls() { return quick ? 2_000 : 20_000; }
    int loadInFlight() { return 64; }
    int loadWorkers() { return 4; }
    double loadCallSeconds() { return quick ? 0.05 : 0.01; }
    long killEveryMillis() { return 250; }

    // Scenario 2: JVM killed
    int jvmRuns() { return quick ? 3 : 20; }
    int jvmWorkers() { return 8; }

    // Scenario 3: failure kinds
    int kindRepetitions() { return quick ? 2 : 10; }

    // Scenario 4: soak
    long soakSeconds() { return soakSecondsOverride > 0 ? soakSecondsOverride : quick ? 20 : 600; }
    long soakSampleSeconds() { return quick ? 2 : 30; }
    int soakInFlight() { return 32; }
}
