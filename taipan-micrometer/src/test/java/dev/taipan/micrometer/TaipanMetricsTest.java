package dev.taipan.micrometer;

import dev.taipan.CallOptions;
import dev.taipan.CallTimeoutException;
import dev.taipan.PoolConfig;
import dev.taipan.PoolStartException;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.UnknownFunctionException;
import dev.taipan.WorkerLostException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The meters against real pools of real Python workers, each test its own pool and registry. */
@Tag("python")
class TaipanMetricsTest {
    private static final String F = "taipan_testing.functions:";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void callsAreTimedByRegisteredFunctionAndOutcome() {
        try (TaipanPool pool = TaipanPool.start(config("m-calls").listener(TaipanMetrics.of(registry)).build())) {
            assertEquals(3L, pool.call(F + "add", List.of(1, 2)));
            assertEquals(1, timer("taipan.calls", "m-calls", "function", F + "add", "outcome", "success").count());

            assertThrows(TaipanException.class, () -> pool.call(F + "fail", List.of("boom")));
            assertEquals(1, timer("taipan.calls", "m-calls", "function", F + "fail", "outcome", "python_error")
                    .count());

            assertThrows(CallTimeoutException.class, () -> pool.call(F + "block", List.of(5.0),
                    CallOptions.timeout(Duration.ofMillis(200))));
            assertEquals(1, timer("taipan.calls", "m-calls", "function", F + "block", "outcome", "timeout").count());

            // A name no worker registered is not a tag value: tag values stay bounded.
            assertThrows(UnknownFunctionException.class, () -> pool.call("no_such:thing" + System.nanoTime(),
                    List.of()));
            assertEquals(1, timer("taipan.calls", "m-calls", "function", "other", "outcome", "python_error").count());
            assertTrue(registry.find("taipan.calls").tags("function", "no_such:thing").timers().isEmpty());
        }
    }

    @Test
    void gaugesShowWorkersSlotsAndASaturatedPoolsWaitingCallersAndSlotWait() throws Exception {
        // Zygote mode whatever TAIPAN_START_MODE says: this test checks the "fork" timer.
        try (TaipanPool pool = TaipanPool.start(config("m-sat").workers(1).slots(1)
                .startMode(dev.taipan.StartMode.ZYGOTE).listener(TaipanMetrics.of(registry)).build())) {
            assertEquals(1.0, gauge("taipan.workers", "m-sat", "state", "ready"));
            assertEquals(0.0, gauge("taipan.workers", "m-sat", "state", "starting"));
            assertEquals(1.0, gauge("taipan.slots", "m-sat"));
            // The listener hears of a worker just after the pool sees it ready.
            assertTrue(eventually(() -> registry.find("taipan.workers.start").tags("pool", "m-sat", "mode", "fork")
                    .timer() != null), "the forked worker's start is timed");

            CompletableFuture<Object> busy = pool.callAsync(F + "block", List.of(0.8));
            assertTrue(eventually(() -> gauge("taipan.calls.active", "m-sat") == 1.0), "one call in flight");
            CompletableFuture<Object> queued = pool.callAsync(F + "add", List.of(1, 1));
            assertTrue(eventually(() -> gauge("taipan.calls.waiting", "m-sat") == 1.0), "one caller waiting");
            assertEquals(2L, queued.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            busy.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(0.0, gauge("taipan.calls.waiting", "m-sat"));
            Timer wait = timer("taipan.calls.slot.wait", "m-sat");
            assertEquals(2, wait.count());
            // The queued call waited for the blocking one (0.8 s) to finish, minus its own head start.
            assertTrue(wait.max(TimeUnit.MILLISECONDS) >= 300, "slot wait max " + wait.max(TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void spawnedWorkersAreTimedAsSpawn() {
        try (TaipanPool pool = TaipanPool.start(config("m-spawn").workers(1)
                .startMode(dev.taipan.StartMode.SPAWN).listener(TaipanMetrics.of(registry)).build())) {
            assertTrue(eventually(() -> registry.find("taipan.workers.start").tags("pool", "m-spawn", "mode", "spawn")
                    .timer() != null), "the spawned worker's start is timed");
            assertEquals(1, timer("taipan.workers.start", "m-spawn", "mode", "spawn").count());
            assertTrue(registry.find("taipan.workers.start").tags("mode", "fork").timers().isEmpty());
            assertTrue(timer("taipan.workers.start", "m-spawn", "mode", "spawn").totalTime(TimeUnit.NANOSECONDS) > 0);
        }
    }

    @Test
    void killedAndCrashedWorkersCountAsReplacementsByCauseAndIdempotentCallsAsRetries() {
        try (TaipanPool pool = TaipanPool.start(config("m-loss").workers(1).listener(TaipanMetrics.of(registry))
                .build())) {
            assertThrows(WorkerLostException.class, () -> pool.call(F + "kill_self", List.of(9)));
            assertTrue(eventually(() -> count("taipan.workers.replacements", "m-loss", "cause", "killed") == 1.0));
            assertTrue(eventually(() -> pool.stats().ready() == 1));

            assertThrows(WorkerLostException.class, () -> pool.call(F + "crash", List.of(3)));
            assertTrue(eventually(() -> count("taipan.workers.replacements", "m-loss", "cause", "crashed") == 1.0));
            assertTrue(eventually(() -> pool.stats().ready() == 1));

            // Idempotent and SIGKILLed (from outside: no crash barrier): run again twice, then failed.
            assertThrows(WorkerLostException.class, () -> pool.call(F + "kill_self", List.of(9),
                    CallOptions.DEFAULT.withIdempotent(true)));
            assertEquals(2.0, count("taipan.calls.retries", "m-loss"));
            assertTrue(eventually(() -> count("taipan.workers.replacements", "m-loss", "cause", "killed") == 4.0));
            // The first kill_self, and this one (its retries are the same call).
            assertEquals(2, timer("taipan.calls", "m-loss", "function", F + "kill_self", "outcome", "worker_lost")
                    .count());
        }
    }

    @Test
    void recyclingByCallCountIsCountedWithItsReason() {
        try (TaipanPool pool = TaipanPool.start(config("m-recycle").workers(1).recycleAfterCalls(2)
                .listener(TaipanMetrics.of(registry)).build())) {
            pool.call(F + "add", List.of(1, 2));
            pool.call(F + "add", List.of(1, 2));
            assertTrue(eventually(() -> count("taipan.workers.recycles", "m-recycle", "reason", "calls") == 1.0),
                    "one worker recycled after 2 calls");
            assertTrue(registry.find("taipan.workers.replacements").counters().isEmpty(),
                    "a recycled worker is no loss");
        }
    }

    @Test
    void startFailuresOpenTheCircuit() {
        PoolConfig config = config("m-circuit").modules("taipan_no_such_module_for_metrics").workers(1)
                .lazyStart(true).maxConsecutiveStartFailures(2).circuitRetryInterval(Duration.ofSeconds(60))
                .listener(TaipanMetrics.of(registry)).build();
        try (TaipanPool pool = TaipanPool.start(config)) {
            assertTrue(eventually(() -> count("taipan.circuit.openings", "m-circuit") == 1.0), "circuit opened");
            assertEquals(1.0, gauge("taipan.circuit.open", "m-circuit"));
            // The circuit opens as the second start failure is seen; that worker's loss is told
            // after its post-mortem, on another thread.
            assertTrue(eventually(() -> count("taipan.workers.replacements", "m-circuit", "cause", "start_failed") >= 2.0),
                    "two start failures counted");
            assertEquals(0.0, gauge("taipan.workers", "m-circuit", "state", "ready"));
        } catch (PoolStartException e) {
            throw new AssertionError("a lazy pool starts without its workers", e);
        }
    }

    @Test
    void commonTagsAreOnEveryMeterAndAUsersListenerStillHearsCalls() {
        java.util.concurrent.atomic.AtomicInteger heard = new java.util.concurrent.atomic.AtomicInteger();
        dev.taipan.PoolListener user = new dev.taipan.PoolListener() {
            @Override
            public void callCompleted(String function, String workerId, Duration d, Outcome outcome) {
                heard.incrementAndGet();
            }
        };
        try (TaipanPool pool = TaipanPool.start(config("m-tags").workers(1).listener(user)
                .listener(TaipanMetrics.of(registry, io.micrometer.core.instrument.Tags.of("app", "demo"))).build())) {
            pool.call(F + "add", List.of(1, 2));
            assertEquals(1, heard.get());
            assertEquals(1, registry.get("taipan.calls").tags("pool", "m-tags", "app", "demo").timer().count());
            assertEquals(1.0, registry.get("taipan.workers").tags("pool", "m-tags", "app", "demo", "state", "ready")
                    .gauge().value());
        }
    }

    // ---------------------------------------------------------------- helpers

    private Timer timer(String name, String pool, String... tags) {
        return registry.get(name).tag("pool", pool).tags(tags).timer();
    }

    private double gauge(String name, String pool, String... tags) {
        Gauge g = registry.get(name).tag("pool", pool).tags(tags).gauge();
        return g.value();
    }

    private double count(String name, String pool, String... tags) {
        Counter c = registry.find(name).tag("pool", pool).tags(tags).counter();
        return c == null ? 0.0 : c.count();
    }

    private static PoolConfig.Builder config(String name) {
        return PoolConfig.builder()
                .name(name)
                .python(python())
                .modules("taipan_testing.functions")
                .workers(2)
                .slots(4)
                .startTimeout(Duration.ofSeconds(30))
                .callTimeout(Duration.ofSeconds(30))
                .drainTimeout(Duration.ofSeconds(2))
                .killTimeout(Duration.ofSeconds(2))
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200))
                .shutdownHook(false);
    }

    /** Polls until the condition holds or the wait passes (bounded; the interval is no synchronisation). */
    static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    static String python() {
        String p = System.getProperty("taipan.python");
        if (p != null && Files.isExecutable(Path.of(p))) {
            return p;
        }
        Path venv = Path.of("").toAbsolutePath().getParent().resolve(".venv/bin/python");
        if (Files.isExecutable(venv)) {
            return venv.toString();
        }
        throw new IllegalStateException("no Python for the tests: run bin/taipan setup (taipan.python=" + p + ")");
    }
}
