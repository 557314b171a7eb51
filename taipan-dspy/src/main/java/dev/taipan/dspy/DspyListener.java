package dev.taipan.dspy;

/**
 * Told of every program run that returned a prediction ({@code run}, {@code runAsync},
 * {@code stream}), with what it asked of its LMs: for metrics (taipan-micrometer's
 * {@code TaipanDspyMetrics}). Add one with {@link Dspy#listener}. It runs on the thread that
 * received the prediction and must return quickly; an exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface DspyListener {
    /**
     * A run returned a prediction.
     *
     * @param kind  the program's module kind ({@code predict}, {@code chain_of_thought}, ...)
     * @param usage what the run asked of its LMs
     */
    void runCompleted(String kind, RunUsage usage);
}
