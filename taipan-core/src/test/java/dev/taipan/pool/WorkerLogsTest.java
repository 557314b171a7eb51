package dev.taipan.pool;

import dev.taipan.CallOptions;
import dev.taipan.PoolConfig;
import dev.taipan.StartMode;
import dev.taipan.TestPools;
import dev.taipan.WorkerCrashedException;
import dev.taipan.WorkerLogLevel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Python logging records and warnings of real workers reach SLF4J: level, logger name,
 * message, exception text and MDC values, within the bound (docs/OBSERVABILITY.md, "Logs").
 * The test backend is slf4j-simple, whose MDC is a no-op, so the MDC values are those the
 * forwarder put in the MDC for the record (its observer sees them as it logs).
 */
@Tag("python")
class WorkerLogsTest {
    private static final String LOGGER = "dev.taipan.worker.taipan_testing.logs";

    private static final class Watch implements AutoCloseable {
        final PoolEngine engine;
        final ConcurrentLinkedQueue<WorkerLogs.Logged> seen = new ConcurrentLinkedQueue<>();

        Watch(PoolConfig.Builder config) {
            engine = PoolEngine.start(config.build());
            engine.workerLogsForTesting().onLogged(seen::add);
        }

        Object call(String function, Object... args) {
            return engine.call("taipan_testing.functions:" + function, List.of(args), CallOptions.DEFAULT);
        }

        List<WorkerLogs.Logged> matching(Predicate<WorkerLogs.Logged> p) {
            return seen.stream().filter(p).collect(Collectors.toList());
        }

        /** Waits (bounded) until {@code count} records match; log frames may trail the call's answer. */
        List<WorkerLogs.Logged> await(int count, Predicate<WorkerLogs.Logged> p) {
            assertTrue(TestPools.eventually(Duration.ofSeconds(10), () -> matching(p).size() >= count),
                    () -> "expected " + count + " records, saw " + seen);
            return matching(p);
        }

        WorkerLogs.Logged one(String messageStart) {
            return await(1, r -> r.message().startsWith(messageStart)).get(0);
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    private static PoolConfig.Builder config(WorkerLogLevel level) {
        return TestPools.config().workers(1).workerLogLevel(level);
    }

    @Test
    void eachLevelArrivesMappedWithItsMessageExceptionAndMdcFromTheCallsThread() {
        try (Watch w = new Watch(config(WorkerLogLevel.TRACE))) {
            String thread = (String) w.call("log_levels", "t1");
            Worker worker = w.engine.workersForTesting().get(0);
            Map<String, Level> expected = Map.of("trace t1", Level.TRACE, "debug t1", Level.DEBUG,
                    "info t1 20", Level.INFO, "warning t1", Level.WARN, "error t1", Level.ERROR,
                    "critical t1", Level.ERROR, "failed t1", Level.ERROR);
            for (Map.Entry<String, Level> e : expected.entrySet()) {
                WorkerLogs.Logged r = w.one(e.getKey());
                assertEquals(e.getKey(), r.message(), "%-args are applied in Python");
                assertEquals(e.getValue(), r.level(), e.getKey());
                assertEquals(LOGGER, r.logger());
                assertEquals("test", r.mdc().get(WorkerLogs.MDC_POOL));
                assertEquals(worker.id, r.mdc().get(WorkerLogs.MDC_WORKER));
                assertTrue(r.mdc().get(WorkerLogs.MDC_CALL_ID).matches("\\d+"), r.mdc().toString());
                assertEquals(thread, r.mdc().get(WorkerLogs.MDC_THREAD));
                assertNull(r.mdc().get(WorkerLogs.MDC_TRACE_ID), "the call had no traceparent");
                if (e.getKey().startsWith("failed")) {
                    assertTrue(r.exception().startsWith("Traceback (most recent call last):"), r.exception());
                    assertTrue(r.exception().endsWith("ValueError: boom t1"), r.exception());
                } else {
                    assertNull(r.exception(), e.getKey());
                }
            }
        }
    }

    @Test
    void anAsyncFunctionLogsFromTheEventLoopThreadAndABackgroundThreadWithoutACallId() {
        try (Watch w = new Watch(config(WorkerLogLevel.INFO))) {
            String loop = (String) w.call("log_levels_async", "a1");
            WorkerLogs.Logged failed = w.one("failed a1");
            assertEquals(LOGGER + ".async", failed.logger());
            assertEquals(loop, failed.mdc().get(WorkerLogs.MDC_THREAD));
            assertTrue(failed.mdc().containsKey(WorkerLogs.MDC_CALL_ID));
            assertTrue(failed.exception().endsWith("ValueError: boom a1"), failed.exception());
            assertTrue(w.matching(r -> r.message().startsWith("debug a1")).isEmpty(), "below the pool's INFO");

            String bg = (String) w.call("log_from_background_thread", "b1");
            WorkerLogs.Logged background = w.one("background b1");
            assertEquals(Level.WARN, background.level());
            assertEquals(bg, background.mdc().get(WorkerLogs.MDC_THREAD));
            assertFalse(background.mdc().containsKey(WorkerLogs.MDC_CALL_ID), "not inside the call's context");
        }
    }

    @Test
    void warningsArriveAtWarnAndTheRootLoggerAndSecretsAreRedacted() {
        try (Watch w = new Watch(config(WorkerLogLevel.INFO).secret("LOG_TEST_API_KEY", "sk-very-secret-1234"))) {
            w.call("warn", "mind the gap");
            WorkerLogs.Logged warning = w.await(1, r -> r.message().contains("mind the gap")).get(0);
            assertEquals(Level.WARN, warning.level());
            assertEquals("dev.taipan.worker.py.warnings", warning.logger());
            assertTrue(warning.message().contains("UserWarning: mind the gap"), warning.message());

            w.call("log_root_and_secret", "LOG_TEST_API_KEY");
            WorkerLogs.Logged secret = w.one("the secret is");
            assertEquals("dev.taipan.worker.root", secret.logger());
            assertFalse(secret.message().contains("sk-very-secret-1234"), secret.message());
            assertTrue(secret.message().contains("***"), secret.message());
        }
    }

    @Test
    void aFloodIsBoundedAndTheDropsAreSummarisedAtWarn() {
        try (Watch w = new Watch(config(WorkerLogLevel.INFO))) {
            int records = 20_000;
            assertEquals((long) records, w.call("log_flood", records));
            WorkerLogs.Logged summary = w.await(1, r -> r.message().contains("log records dropped")).get(0);
            assertEquals(Level.WARN, summary.level());
            assertEquals("dev.taipan.worker.taipan_worker.logs", summary.logger());
            long passed = w.matching(r -> r.message().startsWith("flood record")).size();
            // A burst of 5,000, then 1,000/s for as long as the loop took: far fewer than sent.
            assertTrue(passed >= 5_000 && passed < records, "passed " + passed);
            long dropped = Long.parseLong(summary.message().split(" ")[0]);
            assertTrue(dropped > 0 && dropped <= records - 5_000, summary.message());
            assertEquals(5L, w.call("add", 2, 3), "the worker is fine after a flood");
        }
    }

    @Test
    void aHugeMessageIsTruncatedWithAMarkerAndTheConnectionStaysWhole() {
        try (Watch w = new Watch(config(WorkerLogLevel.INFO))) {
            assertEquals(1_000_000L, w.call("log_huge", 1_000_000));
            WorkerLogs.Logged huge = w.one("huge ");
            assertTrue(huge.message().length() < 40_000, "length " + huge.message().length());
            assertTrue(huge.message().matches("(?s)huge x+… \\[truncated \\d+ bytes\\]"), huge.message().substring(0, 40));
            assertEquals(5L, w.call("add", 2, 3));
        }
    }

    @Test
    void aRecordSentJustBeforeTheWorkerDiesArrives() {
        try (Watch w = new Watch(config(WorkerLogLevel.INFO))) {
            assertThrows(WorkerCrashedException.class, () -> w.call("log_then_exit", "z1"));
            WorkerLogs.Logged last = w.one("last words z1");
            assertEquals(Level.ERROR, last.level());
        }
    }

    @Test
    void importTimeRecordsOfASpawnedWorkerArriveBeforeItsHello() {
        // Lazily started: the worker starts with the first call, after the test watches the records.
        try (Watch w = new Watch(config(WorkerLogLevel.DEBUG).startMode(StartMode.SPAWN).lazyStart(true))) {
            assertEquals(5L, w.call("add", 2, 3));
            WorkerLogs.Logged imported = w.one("taipan_testing.functions imported");
            assertEquals(Level.DEBUG, imported.level());
            assertFalse(imported.mdc().containsKey(WorkerLogs.MDC_CALL_ID));
        }
    }

    @Test
    void offSendsNothing() {
        try (Watch w = new Watch(config(WorkerLogLevel.OFF))) {
            w.call("log_levels", "o1");
            w.call("warn", "o1");
            Optional<WorkerLogs.Logged> any = w.seen.stream().findAny();
            assertTrue(any.isEmpty(), () -> "logged " + any);
        }
    }
}
