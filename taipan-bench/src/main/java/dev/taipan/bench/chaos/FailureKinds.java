package dev.taipan.bench.chaos;

import dev.taipan.CallOptions;
import dev.taipan.CallTimeoutException;
import dev.taipan.PoolConfig;
import dev.taipan.PythonException;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerCrashedException;
import dev.taipan.WorkerProtocolException;
import dev.taipan.WorkerUnresponsiveException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 3: each kind of failure, R times on a pool of 2 workers: the failing call must throw
 * the expected typed exception, the pool must be back to full size (HEALTHY, all workers READY)
 * within {@link #HEAL}, and the next call must succeed.
 */
final class FailureKinds {
    static final Duration HEAL = Duration.ofSeconds(30);

    /** One kind of failure: the call that causes it and the exception it must raise. */
    record Kind(String name, String function, Object args, Duration timeout, Class<? extends TaipanException> expected,
                String how) {
    }

    static final List<Kind> KINDS = List.of(
            new Kind("exception", "taipan_testing.functions:fail", Map.of("message", "boom"), null,
                    PythonException.class, "the function raises ValueError"),
            new Kind("os._exit", "taipan_testing.functions:crash", Map.of("code", 3), null,
                    WorkerCrashedException.class, "os._exit(3) in the function"),
            new Kind("segfault", "taipan_testing.functions:segfault", null, null,
                    WorkerCrashedException.class, "ctypes.string_at(0): SIGSEGV"),
            new Kind("oom kill (simulated)", "taipan_testing.functions:oom_kill", Map.of("mb", 256), null,
                    WorkerCrashedException.class, "touches 256 MiB, then SIGKILLs itself as the OOM killer would"),
            new Kind("out of memory (RLIMIT_AS)", "taipan_testing.functions:memory_error", Map.of("mb", 512), null,
                    PythonException.class, "allocates 512 MiB past a temporary RLIMIT_AS: MemoryError"),
            new Kind("infinite loop past its deadline", "taipan_testing.functions:spin", List.of(3.0),
                    Duration.ofMillis(500), CallTimeoutException.class,
                    "pure-Python busy loop on a call thread for 3 s, call timeout 500 ms"),
            new Kind("event loop stuck", "taipan_testing.functions:hog_loop", List.of(60), null,
                    WorkerUnresponsiveException.class, "time.sleep(60) on the event loop, heartbeat 200 ms"),
            new Kind("worker closes its socket", "taipan_testing.functions:close_socket", null, null,
                    WorkerCrashedException.class, "transport.abort() from a call thread; the runtime exits"),
            new Kind("worker writes garbage", "taipan_testing.functions:garbage", Map.of("nbytes", 64), null,
                    WorkerProtocolException.class, "a frame whose body is not MessagePack"));

    private FailureKinds() {
    }

    static ScenarioResult run(ChaosSettings s) throws InterruptedException {
        long t0 = System.nanoTime();
        int reps = s.kindRepetitions();
        PoolConfig config = PoolConfig.builder().name("chaos-kinds").python(s.python())
                .modules("taipan_testing.functions").workers(2).slots(4)
                .callTimeout(Duration.ofSeconds(30)).heartbeatInterval(Duration.ofMillis(200))
                .drainTimeout(Duration.ofSeconds(2)).killTimeout(Duration.ofSeconds(2))
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200)).build();
        List<Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (TaipanPool pool = TaipanPool.start(config)) {
            for (Kind k : KINDS) {
                int typed = 0;
                int healed = 0;
                int nextOk = 0;
                long maxHeal = 0;
                Map<String, Integer> seen = new TreeMap<>();
                for (int i = 0; i < reps; i++) {
                    awaitFull(pool);
                    CallOptions opts = k.timeout() == null ? CallOptions.DEFAULT : CallOptions.timeout(k.timeout());
                    Throwable thrown = null;
                    try {
                        pool.call(k.function(), k.args(), opts);
                    } catch (RuntimeException e) {
                        thrown = e;
                    }
                    long failedAt = System.nanoTime();
                    String name = thrown == null ? "no exception" : thrown.getClass().getSimpleName();
                    if (thrown instanceof PythonException pe) {
                        name += " (" + pe.pythonType() + ")";
                    } else if (thrown instanceof WorkerCrashedException wc) {
                        name += wc.signal() != null ? " (signal " + wc.signal() + ")" : " (exit " + wc.exitCode() + ")";
                    }
                    seen.merge(name, 1, Integer::sum);
                    if (thrown != null && thrown.getClass() == k.expected()) {
                        typed++;
                    } else if (thrown != null && !(thrown instanceof TaipanException)) {
                        notes.add(k.name() + ": untyped " + thrown);
                    }
                    if (awaitFull(pool)) {
                        healed++;
                        maxHeal = Math.max(maxHeal, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt));
                    } else {
                        notes.add(k.name() + " #" + (i + 1) + ": not back to full size in " + HEAL.toSeconds()
                                + " s: " + pool.health());
                    }
                    try {
                        if (Long.valueOf(5L).equals(pool.call("taipan_testing.functions:add", List.of(2, 3)))) {
                            nextOk++;
                        }
                    } catch (RuntimeException e) {
                        notes.add(k.name() + " #" + (i + 1) + ": the next call failed: " + e);
                    }
                }
                String label = k.name() + ": ";
                figures.add(Figure.rule(label + "typed exception", typed + "/" + reps + " " + seen.keySet(),
                        "all " + k.expected().getSimpleName(), typed == reps));
                figures.add(Figure.mustBeAll(label + "pool back to full size", healed, reps));
                figures.add(Figure.mustBeAll(label + "next call succeeded", nextOk, reps));
                figures.add(Figure.info(label + "slowest return to full size", maxHeal + " ms"));
            }
            notes.add("spin: the call times out after 500 ms but its thread keeps spinning for 3 s "
                    + "(Python cannot stop a thread); the worker stays in the pool.");
            notes.add("oom kill: no cgroup memory limit (hence no kernel OOM killer) is available here, so the "
                    + "function touches 256 MiB and SIGKILLs itself, which is what the OOM killer sends. "
                    + "RLIMIT_AS makes Python raise MemoryError, an ordinary Python exception.");
        }
        String settings = String.format(Locale.ROOT, "%d kinds x %d times, 2 workers x 4 slots, heartbeat 200 ms, "
                + "full size = HEALTHY with all workers READY within %d s", KINDS.size(), reps, HEAL.toSeconds());
        return new ScenarioResult(3, "Failure kinds", settings, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                figures, notes);
    }

    private static boolean awaitFull(TaipanPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + HEAL.toNanos();
        while (!LoadWithKills.fullSize(pool)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
