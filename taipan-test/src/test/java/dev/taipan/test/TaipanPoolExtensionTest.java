package dev.taipan.test;

import dev.taipan.PoolConfig;
import dev.taipan.PythonCaller;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The extension, run through the real JUnit engine (EngineTestKit) on small annotated classes
 * (the nested {@code Fixture}s below; Surefire runs no nested class itself). Each fixture test
 * reports what it was given through JUnit's own {@link TestReporter}: the pool's identity and
 * its workers' pids, so nothing is shared between this test and the run but the report.
 */
@Tag("python")
class TaipanPoolExtensionTest {
    private static final String MODULE = "taipan_testing.functions";

    @Test
    void aPoolPerClassTheSameWithinItInjectedEveryWayAndClosedAfter() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                // Both classes at once: parallel classes must each get their own pool.
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .selectors(selectClass(FixtureA.class), selectClass(FixtureB.class))
                .execute();
        assertEquals(List.of(), failures(results));
        results.testEvents().assertStatistics(s -> s.started(4).succeeded(4).failed(0));

        List<Map<String, String>> reports = reports(results);
        assertEquals(6, reports.size(), reports.toString());
        Set<String> poolsOfA = values(reports, "FixtureA", "pool");
        Set<String> poolsOfB = values(reports, "FixtureB", "pool");
        assertEquals(1, poolsOfA.size(), "FixtureA's tests, constructor and fields saw one pool: " + reports);
        assertEquals(1, poolsOfB.size(), reports.toString());
        assertNotEquals(poolsOfA, poolsOfB, "the two classes shared a pool");
        assertEquals(Set.of("2"), values(reports, "FixtureB", "workers"), "FixtureB's config method set 2 workers");
        Set<Long> pids = new HashSet<>();
        reports.forEach(r -> pids.addAll(pids(r.get("pids"))));
        assertEquals(3, pids.size(), "one worker of A, two of B: " + reports);
        assertAllGone(pids);
    }

    @Test
    void aNestedClassUsesItsEnclosingClasssPool() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(NestingFixture.class)).execute();
        assertEquals(List.of(), failures(results));
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        List<Map<String, String>> reports = reports(results);
        assertEquals(2, reports.size(), reports.toString());
        assertEquals(1, values(reports, "NestingFixture", "pool").size(), "the nested class got another pool: " + reports);
        assertAllGone(pids(reports.get(0).get("pids")));
    }

    @Test
    void thePoolIsClosedWhenTheClassFails() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(FailingFixture.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        List<Map<String, String>> reports = reports(results);
        assertEquals(1, reports.size(), reports.toString());
        Set<Long> pids = pids(reports.get(0).get("pids"));
        assertFalse(pids.isEmpty());
        assertAllGone(pids);
    }

    @Test
    void askingForAPoolWithoutTheAnnotationSaysWhatToDo() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(UnannotatedFixture.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertTrue(failure.getMessage().contains("annotated with @TaipanPoolTest"), failure.toString());
    }

    @Test
    void aBadConfigMethodIsNamedInTheFailure() {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(BadConfigFixture.class)).execute();
        results.testEvents().assertStatistics(s -> s.started(1).failed(1));
        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        assertTrue(failure.getMessage().contains("has no static method missing()"), failure.toString());
    }

    @Test
    void poolNamesComeFromTheTestClass() {
        assertEquals("FixtureA", TaipanPoolExtension.poolName(FixtureA.class));
        assertEquals("AFixtureWithANameFarLongerThanFortyChara",
                TaipanPoolExtension.poolName(AFixtureWithANameFarLongerThanFortyCharactersAllowed.class) + "", "cut to 40");
        assertEquals("test", TaipanPoolExtension.poolName(new Object() { }.getClass()), "an anonymous class");
    }

    // ---------------------------------------------------------------- what the engine runs

    @TaipanPoolTest(modules = MODULE)
    static class FixtureA {
        static TaipanPool staticField;
        TaipanPool field;
        PythonCaller callerField;
        private final TaipanPool fromConstructor;

        FixtureA(TaipanPool pool) {
            this.fromConstructor = pool;
        }

        @Test
        void parameter(TaipanPool pool, TestReporter reporter) {
            assertEquals(5L, ((Number) pool.call(MODULE + ":add", List.of(2, 3))).longValue());
            report(reporter, "FixtureA", pool);
            report(reporter, "FixtureA", fromConstructor);
            report(reporter, "FixtureA", (TaipanPool) callerField);
        }

        @Test
        void fields(TestReporter reporter) {
            report(reporter, "FixtureA", field);
            report(reporter, "FixtureA", staticField);
        }
    }

    @TaipanPoolTest(modules = MODULE, config = "twoWorkers")
    static class FixtureB {
        static PoolConfig.Builder twoWorkers(PoolConfig.Builder fromAnnotation) {
            return fromAnnotation.workers(2).callTimeout(Duration.ofSeconds(20));
        }

        @Test
        void one(TaipanPool pool) {
            assertEquals("pong", pool.call("ping"));
        }

        @Test
        void two(TaipanPool pool, TestReporter reporter) {
            report(reporter, "FixtureB", pool);
        }
    }

    @TaipanPoolTest(modules = MODULE)
    static class FailingFixture {
        @Test
        void fails(TaipanPool pool, TestReporter reporter) {
            report(reporter, "FailingFixture", pool);
            throw new AssertionError("this fixture test fails on purpose");
        }
    }

    @TaipanPoolTest(modules = MODULE)
    static class NestingFixture {
        @Test
        void outer(TaipanPool pool, TestReporter reporter) {
            report(reporter, "NestingFixture", pool);
        }

        @org.junit.jupiter.api.Nested
        class Inner {
            @Test
            void inner(TaipanPool pool, TestReporter reporter) {
                report(reporter, "NestingFixture", pool);
            }
        }
    }

    @ExtendWith(TaipanPoolExtension.class)
    static class UnannotatedFixture {
        @Test
        void asks(TaipanPool pool) {
        }
    }

    @TaipanPoolTest(modules = MODULE, config = "missing")
    static class BadConfigFixture {
        @Test
        void asks(TaipanPool pool) {
        }
    }

    private static void report(TestReporter reporter, String fixture, TaipanPool pool) {
        List<WorkerInfo> workers = pool.workers();
        reporter.publishEntry(Map.of("class", fixture, "pool", String.valueOf(System.identityHashCode(pool)),
                "workers", String.valueOf(workers.size()),
                "pids", workers.stream().map(w -> String.valueOf(w.pid())).collect(Collectors.joining(","))));
    }

    // ---------------------------------------------------------------- reading the run

    private static List<Map<String, String>> reports(EngineExecutionResults results) {
        return results.allEvents().reportingEntryPublished().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow().getKeyValuePairs())
                .collect(Collectors.toList());
    }

    private static List<String> failures(EngineExecutionResults results) {
        return results.allEvents().failed().stream()
                .map(e -> e.getTestDescriptor().getDisplayName() + ": " + e.getPayload(
                        org.junit.platform.engine.TestExecutionResult.class).flatMap(r -> r.getThrowable()).orElse(null))
                .collect(Collectors.toList());
    }

    private static Set<String> values(List<Map<String, String>> reports, String fixture, String key) {
        return reports.stream().filter(r -> fixture.equals(r.get("class"))).map(r -> r.get(key)).collect(Collectors.toSet());
    }

    private static Set<Long> pids(String list) {
        Set<Long> out = new HashSet<>();
        for (String p : list.split(",")) {
            if (!p.isBlank()) {
                out.add(Long.parseLong(p));
            }
        }
        return out;
    }

    /** The pool's close waits for its workers, so they are gone (or unreaped zombies) once the run returns. */
    private static void assertAllGone(Set<Long> pids) {
        for (long pid : pids) {
            assertTrue(pid > 0, "a worker without a pid: " + pids);
            assertTrue(gone(pid), "worker " + pid + " outlived its test class's pool");
        }
    }

    private static boolean gone(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return true;
        }
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            return stat.charAt(close + 2) == 'Z';
        } catch (java.io.IOException e) {
            return true;
        }
    }

    static class AFixtureWithANameFarLongerThanFortyCharactersAllowed {
    }
}
