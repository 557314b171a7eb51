package dev.taipan.dspy;

import dev.taipan.CallOptions;
import dev.taipan.PythonCaller;
import dev.taipan.PythonException;
import dev.taipan.TaipanException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls the worker-side bridge ({@code taipan_worker.dspy}) with the program and LM named by
 * reference. A worker that has not seen a program version or an LM says so, and the call is
 * repeated once with the full definition; after that any worker can serve it from its cache.
 */
final class Bridge {
    static final String MODULE = "taipan_worker.dspy";
    private static final int MAX_ATTEMPTS = 3;

    private final PythonCaller caller;
    private final Set<String> lmsSent = ConcurrentHashMap.newKeySet();

    Bridge(PythonCaller caller) {
        this.caller = caller;
    }

    PythonCaller caller() {
        return caller;
    }

    /** Calls {@code function} with {@code args} plus {@code program} and {@code lm} references. */
    CompletableFuture<Object> call(String function, Program.Version program, Lm lm, Map<String, Object> args,
                                   Duration timeout) {
        return call(function, program, lm, args, timeout, CallOptions.DEFAULT);
    }

    /** As above, with call options carrying Java callbacks (tools, metrics) or a chunk consumer. */
    CompletableFuture<Object> call(String function, Program.Version program, Lm lm, Map<String, Object> args,
                                   Duration timeout, CallOptions extra) {
        CallOptions opts = timeout == null ? extra : extra.withTimeout(timeout);
        return attempt(function, program, lm, args, opts, !program.sent(), lm != null && !lmsSent.contains(lm.id()),
                MAX_ATTEMPTS);
    }

    private CompletableFuture<Object> attempt(String function, Program.Version program, Lm lm,
                                              Map<String, Object> args, CallOptions opts, boolean withProgram,
                                              boolean withLm, int attemptsLeft) {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("program", program.toWire(withProgram));
        if (lm != null) {
            kwargs.put("lm", lm.toWire(withLm));
        }
        kwargs.putAll(args);
        return caller.callAsync(MODULE + ":" + function, kwargs, opts)
                .thenApply(v -> {
                    if (withProgram) {
                        program.markSent();
                    }
                    if (withLm) {
                        lmsSent.add(lm.id());
                    }
                    return v;
                })
                .exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (cause instanceof PythonException && attemptsLeft > 1) {
                        String type = ((PythonException) cause).pythonType();
                        if (type.endsWith("ProgramNotCached")) {
                            return attempt(function, program, lm, args, opts, true, withLm, attemptsLeft - 1);
                        }
                        if (type.endsWith("LmNotCached")) {
                            return attempt(function, program, lm, args, opts, withProgram, true, attemptsLeft - 1);
                        }
                    }
                    return CompletableFuture.failedFuture(cause instanceof PythonException
                            ? LmErrors.map((PythonException) cause) : cause);
                });
    }

    /** Waits for a bridge call on the caller's thread, rethrowing the typed exception. */
    static Object await(CompletableFuture<Object> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof TaipanException) {
                throw (TaipanException) c;
            }
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new TaipanException("DSPy call failed: " + c, c);
        }
    }
}
