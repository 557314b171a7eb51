package dev.taipan.dspy;

import dev.taipan.CallOptions;

/**
 * Where one bridge call's LM usage lands if the call fails: the worker reports what a failing
 * run, evaluation or optimization spent through the {@value #CALLBACK} callback just before its
 * error (taipan_worker/dspy/meter.py), since an error frame carries no result.
 */
final class FailedUsage {
    /** The callback's name, as the worker calls it. */
    static final String CALLBACK = "dspy:usage";

    private volatile RunUsage usage = RunUsage.NONE;

    /** {@code options} with the callback that keeps what the worker reports. */
    CallOptions on(CallOptions options) {
        return options.withCallback(CALLBACK, args -> {
            usage = RunUsage.fromWire(args);
            return null;
        });
    }

    /** {@return what the worker reported, or {@link RunUsage#NONE}} */
    RunUsage get() {
        return usage;
    }
}
