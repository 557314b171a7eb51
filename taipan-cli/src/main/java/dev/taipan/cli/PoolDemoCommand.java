package dev.taipan.cli;

import dev.taipan.PoolConfig;
import dev.taipan.PoolStats;
import dev.taipan.Session;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerLostException;
import dev.taipan.cli.WorkerKiller.Killed;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * {@code taipan demo pool}: a burst of concurrent calls, a worker SIGKILLed in the middle of it,
 * the typed failures of its in-flight calls (retried by the demo), the pool healing itself,
 * and a session keeping state across calls.
 */
@Command(name = "pool", mixinStandardHelpOptions = true,
        description = {"Run the pool demo (no DSPy): a pool of workers under a burst of concurrent calls, one worker "
                + "killed with SIGKILL halfway through, typed failures retried, the pool healing, and a session "
                + "keeping state.",
                "Exit 0 only if no call was lost and every result was correct."})
final class PoolDemoCommand implements Callable<Integer> {
    /** The repository's test functions (python/testing, which bin/taipan setup installs; not in the user wheel). */
    private static final String MODULE = "taipan_testing.functions";
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration HEAL_DEADLINE = Duration.ofSeconds(60);

    @CommandLine.ParentCommand
    DemoCommand demo;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--calls", defaultValue = "400", description = "Calls in the burst (default: ${DEFAULT-VALUE}).")
    int calls;

    @Option(names = "--threads", defaultValue = "32",
            description = "Java threads making calls at once (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--workers", defaultValue = "4", description = "Python worker processes (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--slots", defaultValue = "4",
            description = "Calls each worker runs at once (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--sleep-ms", defaultValue = "20",
            description = "Duration of the async_sleep calls in the mix (default: ${DEFAULT-VALUE}).")
    int sleepMillis;

    private Console console;
    private DemoReport report;

    // Burst results, written by the calling threads.
    private final LongAdder ok = new LongAdder();
    private final LongAdder retriedCalls = new LongAdder();
    private final WorkerLosses typedFailures = new WorkerLosses();
    private final LongAdder wrong = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();
    private long[] latencyNanos;

    @Override
    public Integer call() {
        if (calls < 2 || threads < 1 || workers < 2 || slots < 1 || sleepMillis < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "need --calls >= 2, --threads >= 1, --workers >= 2 (one is killed), --slots >= 1, --sleep-ms >= 0");
        }
        long demoStart = System.nanoTime();
        boolean tty = StatusLine.stderrIsTerminal();
        console = tty ? Console.terminal() : Console.plain();
        report = new DemoReport(console);
        try {
            return run(demoStart);
        } finally {
            console.close();
        }
    }

    private TaipanPool startPool(PoolConfig config) {
        try (Spinner spinner = Spinner.on(console, "starting " + workers + " Python workers", CallCommand.SPINNER_AFTER)) {
            return TaipanPool.start(config);
        }
    }

    private int run(long demoStart) {
        String python = demo.cli.python();
        PoolConfig config = PoolConfig.builder()
                .name("demo")
                .python(python)
                .modules(MODULE)
                .workers(workers)
                .slots(slots)
                .callTimeout(Duration.ofSeconds(30))
                .build();
        report.say("Taipan pool demo: %d Python workers x %d slots, python=%s, modules=%s", workers, slots, python, MODULE);
        long t0 = System.nanoTime();
        try (TaipanPool pool = startPool(config)) {
            report.say("1. pool ready in %d ms: %s", DemoReport.millisSince(t0), WorkerKiller.describe(pool.workers()));

            // 2. The burst, with a SIGKILL halfway through.
            report.say("2. firing %d calls (add, echo, async_sleep %d ms) from %d threads; one worker gets SIGKILL halfway",
                    calls, sleepMillis, threads);
            long burstStart = System.nanoTime();
            Killed killed = burst(pool);
            long burstNanos = System.nanoTime() - burstStart;
            reportFailures(killed);

            // 3. Healing: wait (bounded) for the pool to be back at full strength.
            boolean healed = awaitHealed(pool, killed);

            // 4. Sessions: state kept across calls, one worker, one namespace per session.
            boolean sessionOk = sessions(pool);

            PoolStats stats = pool.stats();
            return summary(stats, burstNanos, demoStart, healed, sessionOk);
        } catch (TaipanException e) {
            console.println("demo failed:");
            Errors.print(e, System.err);
            return 1;
        }
    }

    private Killed burst(TaipanPool pool) {
        latencyNanos = new long[calls];
        Burst burst = new Burst(calls, threads, "demo-caller");
        return burst.run(n -> oneCall(pool, n), () -> killOne(pool, burst), Duration.ofMinutes(2), console,
                Duration.ofSeconds(1), (done, elapsed) -> progressLine(pool, done, elapsed));
    }

    /** Call number n: one of three idempotent functions, retried if its worker is lost. */
    private void oneCall(TaipanPool pool, int n) {
        String function;
        Object args;
        Predicate<Object> correct;
        switch (n % 3) {
            case 0 -> {
                function = MODULE + ":add";
                args = List.of(n, 2L * n);
                correct = r -> r instanceof Number x && x.longValue() == 3L * n;
            }
            case 1 -> {
                Map<String, Object> value = Map.of("n", (long) n, "tag", "demo-" + n);
                function = "echo";
                args = Map.of("value", value);
                correct = value::equals;
            }
            default -> {
                double seconds = sleepMillis / 1000.0;
                function = MODULE + ":async_sleep";
                args = List.of(seconds);
                correct = r -> r instanceof Number x && x.doubleValue() == seconds;
            }
        }
        long t0 = System.nanoTime();
        boolean retried = false;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                Object result = pool.call(function, args);
                latencyNanos[n] = System.nanoTime() - t0;
                if (correct.test(result)) {
                    ok.increment();
                } else {
                    wrong.increment();
                    firstProblem.compareAndSet(null, function + " #" + n + " returned a wrong result: " + result);
                }
                if (retried) {
                    retriedCalls.increment();
                }
                return;
            } catch (WorkerLostException e) {
                // The worker died with this call in flight: it may or may not have run. These
                // calls are idempotent, so the demo (not the pool) retries them.
                typedFailures.add(e);
                retried = true;
            } catch (TaipanException e) {
                lost.increment();
                firstProblem.compareAndSet(null, function + " #" + n + " failed: " + e);
                return;
            }
        }
        lost.increment();
        firstProblem.compareAndSet(null, function + " #" + n + " failed " + MAX_ATTEMPTS + " times");
    }

    /** SIGKILLs the ready worker with the most calls in flight. */
    private Killed killOne(TaipanPool pool, Burst burst) {
        Killed killed = WorkerKiller.killBusiest(pool);
        if (killed == null) {
            report.say("   (no ready worker to kill)");
            return null;
        }
        report.say("   halfway (%d/%d done): SIGKILL -> %s", burst.done(), calls, killed.describe("calls"));
        return killed;
    }

    private void reportFailures(Killed killed) {
        long failures = typedFailures.count();
        if (failures > 0) {
            report.say("   %d call(s) in flight on the killed worker failed with a typed exception: %s",
                    failures, typedFailures.types());
            report.say("     e.g. %s", typedFailures.example());
            report.say("   the demo retried them (they are idempotent). Taipan never retries by itself: a call on a lost "
                    + "worker may or may not have run, and only the caller knows whether running it twice is safe.");
        } else if (killed != null) {
            report.say("   no call was in flight on the killed worker at that instant, so nothing needed a retry");
        }
        report.say("   burst done: %d ok, %d retried after a typed failure, %d lost, %d wrong", ok.sum(), retriedCalls.sum(),
                lost.sum(), wrong.sum());
        if (firstProblem.get() != null) {
            report.say("   first problem: %s", firstProblem.get());
        }
    }

    private boolean awaitHealed(TaipanPool pool, Killed killed) {
        WorkerKiller.Healing healing = WorkerKiller.awaitHealed(pool, workers, killed, HEAL_DEADLINE);
        report.say("3. %s", healing.describe("burst"));
        return healing.healed();
    }

    private boolean sessions(TaipanPool pool) {
        String counter = MODULE + ":counter";
        try (Session a = pool.openSession(); Session b = pool.openSession()) {
            List<Long> seen = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                seen.add(a.call(counter, Map.of("by", 1), Long.class));
            }
            long other = b.call(counter, Map.of("by", 10), Long.class);
            long again = a.call(counter, null, Long.class);
            boolean good = seen.equals(List.of(1L, 2L, 3L, 4L, 5L)) && other == 10 && again == 6;
            report.say("4. session %s (worker %s): counter(by=1) x5 -> %s, then counter() -> %d", shortId(a.id()),
                    a.workerId(), seen, again);
            report.say("   session %s (worker %s) has its own state: counter(by=10) -> %d%s", shortId(b.id()),
                    b.workerId(), other, good ? "" : "   WRONG: expected 1..5, 10 and 6");
            return good;
        }
    }

    private int summary(PoolStats stats, long burstNanos, long demoStart, boolean healed, boolean sessionOk) {
        long[] sorted = Latencies.completed(latencyNanos);
        double seconds = burstNanos / 1e9;
        boolean success = lost.sum() == 0 && wrong.sum() == 0 && ok.sum() == calls && healed && sessionOk;
        report.summary();
        report.row("calls ok", "%d/%d%s", ok.sum(), calls, wrong.sum() == 0 ? " (all results correct)"
                : " (" + wrong.sum() + " WRONG)");
        report.row("failed typed, retried", "%d call(s), %d failure(s)%s", retriedCalls.sum(), typedFailures.count(),
                typedFailures.count() == 0 ? "" : " (retried by the demo: the calls are idempotent)");
        report.row("lost", "%d", lost.sum());
        report.row("throughput", "%.0f calls/s", calls / seconds);
        report.latencyRow("latency p50 / p99", sorted, 1,
                " (submission to result, queueing and retries included)");
        report.row("worker restarts", "%d", stats.workersReplaced());
        report.row("healed / sessions", "%s / %s", healed ? "yes" : "NO", sessionOk ? "ok" : "WRONG");
        report.row("total time", "%.2f s", (System.nanoTime() - demoStart) / 1e9);
        return report.verdict(success);
    }

    private String progressLine(TaipanPool pool, int n, double elapsed) {
        return DemoReport.progressLine(Burst.bar(n, calls), ok.sum(), retriedCalls.sum(), lost.sum(), pool.stats(),
                String.format("%.0f calls/s", elapsed > 0 ? n / elapsed : 0.0));
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
