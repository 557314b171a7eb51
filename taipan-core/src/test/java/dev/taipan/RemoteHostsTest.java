package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pools whose workers run on real worker hosts ({@code python -m taipan_worker.host}) reached
 * over loopback TCP: calls, sessions, refusals, a host's death, retries on another host, the
 * lease, and that nothing is left behind on a host.
 */
@Tag("python")
class RemoteHostsTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static PoolConfig.Builder remote(RemoteHost... hosts) {
        return TestPools.config().heartbeatInterval(Duration.ofMillis(300)).circuitRetryInterval(Duration.ofMillis(500))
                .remoteHosts(hosts);
    }

    @Test
    void callsAndSessionsRunOnTheHostsWorkers() throws Exception {
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1");
             TaipanPool pool = TaipanPool.start(remote(host.remoteHost()).workers(2).build())) {
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
            List<WorkerInfo> workers = pool.workers();
            assertEquals(2, workers.size());
            for (WorkerInfo w : workers) {
                assertEquals(host.remoteHost().toString(), w.host(), w.toString());
                assertFalse(w.forked());
            }
            // The host forked them: they are its children, not this JVM's.
            Set<Long> pids = workers.stream().map(WorkerInfo::pid).collect(Collectors.toSet());
            assertEquals(pids, new HashSet<>(host.workerPids()));
            try (Session s = pool.openSession()) {
                assertEquals(1L, s.call("taipan_testing.functions:counter", List.of(1)));
                assertEquals(3L, s.call("taipan_testing.functions:counter", List.of(2)));
                assertEquals(6L, s.call("taipan_testing.functions:counter", List.of(3)));
            }
            assertTrue(host.log().contains("pool test"), host.log());
        }
    }

    @Test
    void aModuleTheHostDoesNotAllowFailsTheStartWithTheHostsReason() throws Exception {
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1")) {
            PoolStartException e = assertThrows(PoolStartException.class, () -> TaipanPool.start(
                    remote(host.remoteHost()).modules("json").workers(1).maxConsecutiveStartFailures(1).build()).close());
            assertTrue(e.getMessage().contains("refused to start it: module json is not allowed on host h1"),
                    e.getMessage());
            assertTrue(e.getMessage().contains(host.remoteHost().toString()), e.getMessage());
            assertTrue(host.log().contains("refused worker"), host.log());
            assertTrue(host.workerPids().isEmpty());
        }
    }

    @Test
    void sigkillOfTheHostFailsTheCallInFlightNamingTheHost() throws Exception {
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1");
             TaipanPool pool = TaipanPool.start(remote(host.remoteHost()).workers(1).build())) {
            CompletableFuture<Object> call = pool.callAsync("taipan_testing.functions:block", List.of(60.0),
                    CallOptions.timeout(Duration.ofSeconds(90)));
            assertTrue(TestPools.eventually(WITHIN, () -> pool.stats().inFlight() == 1));
            long worker = pool.workers().get(0).pid();
            long t0 = System.nanoTime();
            host.kill();
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(60, TimeUnit.SECONDS));
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            WorkerLostException lost = assertInstanceOf(WorkerLostException.class, e.getCause());
            assertTrue(lost.getMessage().contains("on host " + host.remoteHost()), lost.getMessage());
            // Well within the call's own timeout: the link's silence bound, or the sockets' end.
            assertTrue(tookMs < 30_000, tookMs + " ms");
            assertTrue(TestPools.eventually(WITHIN, () -> TestPools.isGone(worker)), "the host's worker died with it");
            // While the host is gone, the pool's health says which host it cannot reach.
            assertTrue(TestPools.eventually(WITHIN, () -> pool.health().reason()
                    .contains("cannot reach host " + host.remoteHost())), () -> pool.health().reason());
            assertTrue(pool.health().status() != PoolHealth.Status.HEALTHY);
        }
    }

    @Test
    void anIdempotentCallLostWithItsHostIsRetriedOnAnotherHost() throws Exception {
        try (WorkerHostProcess a = new WorkerHostProcess(dir, "ha");
             WorkerHostProcess b = new WorkerHostProcess(dir, "hb");
             TaipanPool pool = TaipanPool.start(remote(a.remoteHost(), b.remoteHost()).workers(2).build())) {
            Set<String> hosts = pool.workers().stream().map(WorkerInfo::host).collect(Collectors.toSet());
            assertEquals(Set.of(a.remoteHost().toString(), b.remoteHost().toString()), hosts, "one worker on each");
            CompletableFuture<Object> call = pool.callAsync("taipan_testing.functions:block_idempotent",
                    List.of(1.0), CallOptions.timeout(Duration.ofSeconds(60)).withIdempotent(true));
            assertTrue(TestPools.eventually(WITHIN, () -> pool.stats().inFlight() == 1));
            String busy = pool.workers().stream().filter(w -> w.inFlight() == 1).findFirst().orElseThrow().host();
            (busy.equals(a.remoteHost().toString()) ? a : b).kill();
            assertEquals(1.0, call.get(60, TimeUnit.SECONDS));
            assertEquals(1L, pool.stats().callsRetried());
        }
    }

    @Test
    void aPartitionedPoolsLeaseExpiresOnTheHostAndThePoolReconnectsWhenItHeals() throws Exception {
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1");
             ControlProxy proxy = new ControlProxy(host.port);
             TaipanPool pool = TaipanPool.start(remote(RemoteHost.plainTcpOnLoopback("127.0.0.1", proxy.port())
                     .lease(Duration.ofSeconds(2))).workers(1).build())) {
            long first = pool.workers().get(0).pid();
            CompletableFuture<Object> call = pool.callAsync("taipan_testing.functions:block", List.of(60.0),
                    CallOptions.timeout(Duration.ofSeconds(90)));
            assertTrue(TestPools.eventually(WITHIN, () -> pool.stats().inFlight() == 1));
            proxy.partition(true); // the control link goes silent both ways; nothing is closed
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(60, TimeUnit.SECONDS));
            assertInstanceOf(WorkerLostException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("on host"), e.getCause().getMessage());
            // The host heard nothing for the lease: it ended the pool's worker itself.
            assertTrue(TestPools.eventually(WITHIN, () -> TestPools.isGone(first)), host.log());
            assertTrue(TestPools.eventually(WITHIN, () -> host.log().contains("lease of 2000 ms expired")), host.log());
            proxy.partition(false);
            assertTrue(TestPools.eventually(Duration.ofSeconds(60), () -> pool.stats().ready() == 1),
                    () -> pool.stats() + "\n" + host.log());
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
            assertTrue(pool.workers().get(0).pid() != first);
        }
    }

    @Test
    void closingThePoolLeavesNothingOnTheHostAndAnotherPoolKeepsItsWorkers() throws Exception {
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1");
             TaipanPool other = TaipanPool.start(remote(host.remoteHost()).name("other").workers(1).build())) {
            List<Long> mine;
            try (TaipanPool pool = TaipanPool.start(remote(host.remoteHost()).workers(2).build())) {
                mine = pool.workers().stream().map(WorkerInfo::pid).toList();
                assertEquals(3, host.workerPids().size(), () -> host.workerPids().toString());
                // The same worker ids in two pools: each pool reaches only its own workers.
                assertEquals(Set.copyOf(List.of(pool.call("taipan_testing.functions:pid"),
                        pool.call("taipan_testing.functions:pid"), pool.call("taipan_testing.functions:pid"))).stream()
                        .allMatch(p -> mine.contains(((Number) p).longValue())), true);
            }
            for (long pid : mine) {
                assertTrue(TestPools.eventually(WITHIN, () -> TestPools.isGone(pid)), "worker " + pid + " outlived its pool");
            }
            long kept = other.workers().get(0).pid();
            // Reaped by the host (a worker it has not reaped yet is still its child, a zombie).
            assertTrue(TestPools.eventually(WITHIN, () -> host.workerPids().equals(List.of(kept))),
                    () -> host.workerPids() + " besides " + kept);
            assertEquals(5L, other.call("taipan_testing.functions:add", List.of(2, 3)));
        }
    }

    @Test
    void aPoolMixesLocalAndRemoteWorkers() throws Exception {
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1");
             TaipanPool pool = TaipanPool.start(remote(host.remoteHost()).localWorkers(true).workers(2).build())) {
            Set<String> hosts = pool.workers().stream().map(WorkerInfo::host).collect(Collectors.toSet());
            assertEquals(Set.of("local", host.remoteHost().toString()), hosts);
            for (int i = 0; i < 20; i++) {
                assertEquals((long) i + 1, pool.call("taipan_testing.functions:add", List.of(i, 1)));
            }
        }
    }

    @Test
    void plainTcpIsOnlyForLoopback() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RemoteHost.plainTcpOnLoopback("192.0.2.1", 7000));
        assertTrue(e.getMessage().contains("only on loopback"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RemoteHost.plainTcpOnLoopback("127.0.0.1", 0));
        assertThrows(IllegalArgumentException.class,
                () -> RemoteHost.plainTcpOnLoopback("127.0.0.1", 7000).lease(Duration.ofMillis(10)));
        PoolConfigException c = assertThrows(PoolConfigException.class,
                () -> TestPools.config().localWorkers(false).build());
        assertEquals("localWorkers", c.setting());
    }
}
