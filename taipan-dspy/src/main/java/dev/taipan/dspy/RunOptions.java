package dev.taipan.dspy;

import java.time.Duration;

/** Per-run overrides of the {@link Dspy}'s defaults. Immutable. */
public final class RunOptions {
    /** No overrides: the {@link Dspy}'s LM and adapter, the pool's call timeout. */
    public static final RunOptions DEFAULT = new RunOptions(null, null, null);

    private final Lm lm;
    private final Adapter adapter;
    private final Duration timeout;

    private RunOptions(Lm lm, Adapter adapter, Duration timeout) {
        this.lm = lm;
        this.adapter = adapter;
        this.timeout = timeout;
    }

    /**
     * {@return options that run with this LM}
     *
     * @param lm the LM, or null for the {@link Dspy}'s
     */
    public static RunOptions lm(Lm lm) {
        return DEFAULT.withLm(lm);
    }

    /**
     * {@return options that run with this adapter}
     *
     * @param adapter the adapter, or null for the {@link Dspy}'s
     */
    public static RunOptions adapter(Adapter adapter) {
        return DEFAULT.withAdapter(adapter);
    }

    /**
     * {@return options whose run must end within this timeout}
     *
     * @param timeout the run's timeout, or null for the pool's {@link dev.taipan.PoolConfig#callTimeout()}
     */
    public static RunOptions timeout(Duration timeout) {
        return DEFAULT.withTimeout(timeout);
    }

    /**
     * {@return a copy with this LM}
     *
     * @param lm the LM, or null for the {@link Dspy}'s
     */
    public RunOptions withLm(Lm lm) {
        return new RunOptions(lm, adapter, timeout);
    }

    /**
     * {@return a copy with this adapter}
     *
     * @param adapter the adapter, or null for the {@link Dspy}'s
     */
    public RunOptions withAdapter(Adapter adapter) {
        return new RunOptions(lm, adapter, timeout);
    }

    /**
     * {@return a copy with this timeout}
     *
     * @param timeout the run's timeout, or null for the pool's {@link dev.taipan.PoolConfig#callTimeout()}
     */
    public RunOptions withTimeout(Duration timeout) {
        return new RunOptions(lm, adapter, timeout);
    }

    Lm lmOr(Lm fallback) {
        return lm != null ? lm : fallback;
    }

    Adapter adapterOr(Adapter fallback) {
        return adapter != null ? adapter : fallback;
    }

    Duration timeout() {
        return timeout;
    }
}
