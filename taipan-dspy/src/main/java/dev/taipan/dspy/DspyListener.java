package dev.taipan.dspy;

/**
 * Told what the programs of a {@link Dspy} asked of their LMs: of every run that returned a
 * prediction ({@code run}, {@code runAsync}, {@code stream}, and so each run of a
 * {@code batch}), of every run that failed, and of every evaluation and optimization as a
 * whole; for metrics (taipan-micrometer's {@code TaipanDspyMetrics}). Add one with
 * {@link Dspy#listener}. It runs on the thread that received the answer and must return
 * quickly; an exception it throws is logged and ignored.
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

    /**
     * A run failed (an LM error, an answer the adapter could not parse, the pool). Does nothing
     * unless overridden.
     *
     * @param kind  the program's module kind
     * @param usage what the run asked of its LMs before it failed, as the worker reported it;
     *              {@link RunUsage#NONE} when it made no LM call or the worker could not tell
     *              (it was lost, the call timed out or was cancelled)
     * @param error what the caller got
     */
    default void runFailed(String kind, RunUsage usage, Throwable error) {
    }

    /**
     * An evaluation in the workers ({@link Program#evaluate} with a built-in metric) ended,
     * returning or failing. Does nothing unless overridden. An evaluation with a Java metric
     * runs its examples as runs, each reported by {@link #runCompleted} or {@link #runFailed}
     * instead.
     *
     * @param kind  the program's module kind
     * @param usage what all its runs asked of their LMs ({@link RunUsage#NONE} if the worker
     *              could not tell)
     */
    default void evaluationEnded(String kind, RunUsage usage) {
    }

    /**
     * An optimization ({@link Program#optimize}) ended, returning or failing. Does nothing
     * unless overridden.
     *
     * @param kind  the program's module kind
     * @param usage what the whole optimization (its validation included) asked of its LMs
     *              ({@link RunUsage#NONE} if the worker could not tell)
     */
    default void optimizationEnded(String kind, RunUsage usage) {
    }
}
