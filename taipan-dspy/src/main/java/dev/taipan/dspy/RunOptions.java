package dev.taipan.dspy;

import java.time.Duration;

/** Per-run overrides of the {@link Dspy}'s defaults. Immutable. */
public final class RunOptions {
    public static final RunOptions DEFAULT = new RunOptions(null, null, null);

    private final Lm lm;
    private final Adapter adapter;
    private final Duration timeout;

    private RunOptions(Lm lm, Adapter adapter, Duration timeout) {
        this.lm = lm;
        this.adapter = adapter;
        this.timeout = timeout;
    }

    public static RunOptions lm(Lm lm) {
        return DEFAULT.withLm(lm);
    }

    public static RunOptions adapter(Adapter adapter) {
        return DEFAULT.withAdapter(adapter);
    }

    public static RunOptions timeout(Duration timeout) {
        return DEFAULT.withTimeout(timeout);
    }

    public RunOptions withLm(Lm lm) {
        return new RunOptions(lm, adapter, timeout);
    }

    public RunOptions withAdapter(Adapter adapter) {
        return new RunOptions(lm, adapter, timeout);
    }

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
