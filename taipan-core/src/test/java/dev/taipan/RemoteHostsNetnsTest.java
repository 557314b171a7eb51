package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A worker host in its own network namespace, reached over TLS across a veth pair, with faults
 * made on the link: cut and restored, and slowed down. Needs root (CI has it): without it these
 * tests fail, they do not skip.
 */
@Tag("python")
class RemoteHostsNetnsTest {
    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    @TempDir
    Path dir;

    private PoolConfig.Builder config(RemoteHost host) {
        return TestPools.config().heartbeatInterval(HEARTBEAT).circuitRetryInterval(Duration.ofMillis(500))
                .remoteHosts(host).workers(1);
    }

    @Test
    void aLinkThatGoesDownFailsTheCallTypedWithinTheHeartbeatBoundAndThePoolReconnectsWhenItComesBack()
            throws Exception {
        try (NetNamespace ns = new NetNamespace()) {
            Path certs = WorkerHostProcess.makeCerts(dir, ns.innerAddress());
            try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1", ns.exec(), ns.innerAddress(), certs);
                 TaipanPool pool = host.startPool(config(host.tlsHost(certs, "client")
                         .lease(Duration.ofSeconds(3))).build())) {
                assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
                long first = pool.workers().get(0).pid();
                CompletableFuture<Object> call = pool.callAsync("taipan_testing.functions:block", List.of(60.0),
                        CallOptions.timeout(Duration.ofSeconds(90)));
                assertTrue(TestPools.eventually(Duration.ofSeconds(30), () -> pool.stats().inFlight() == 1));
                long t0 = System.nanoTime();
                ns.linkDown();
                ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(60, TimeUnit.SECONDS));
                long tookMs = (System.nanoTime() - t0) / 1_000_000;
                WorkerLostException lost = assertInstanceOf(WorkerLostException.class, e.getCause());
                assertTrue(lost.getMessage().contains("on host " + host.tlsHost(certs, "client")), lost.getMessage());
                // Three heartbeats of silence, then the post-mortem's bounded waits: far below the call's 90 s.
                assertTrue(tookMs < 15_000, tookMs + " ms: " + lost.getMessage());
                // Cut off, the host ends the pool's worker when the lease runs out.
                assertTrue(TestPools.eventually(Duration.ofSeconds(30), () -> TestPools.isGone(first)), host.log());
                ns.linkUp();
                assertTrue(TestPools.eventually(Duration.ofSeconds(60), () -> pool.stats().ready() == 1),
                        () -> pool.stats() + "\n" + host.log());
                assertEquals(7L, pool.call("taipan_testing.functions:add", List.of(3, 4)));
                assertTrue(host.log().contains("lease of 3000 ms expired"), host.log());
            }
        }
    }

    @Test
    void aSlowLinkStillCarriesEveryCallCorrectly() throws Exception {
        try (NetNamespace ns = new NetNamespace()) {
            Path certs = WorkerHostProcess.makeCerts(dir, ns.innerAddress());
            try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1", ns.exec(), ns.innerAddress(), certs);
                 TaipanPool pool = host.startPool(config(host.tlsHost(certs, "client"))
                         // The heartbeat bound must exceed the time the link takes to carry the
                         // largest frame: a heartbeat waits behind it in the same stream.
                         .heartbeatInterval(Duration.ofSeconds(1)).build())) {
                // 2 Mbit/s towards the host, with a queue: a 128 KiB argument takes about half a second.
                ns.shape("tbf", "rate", "2mbit", "burst", "32kbit", "latency", "2s");
                byte[] payload = new byte[128 * 1024];
                new java.util.Random(7).nextBytes(payload);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(payload, (byte[]) pool.call("echo", List.of(payload)));
                    assertEquals((long) i + 1, pool.call("taipan_testing.functions:add", List.of(i, 1)));
                }
                assertEquals(0L, pool.stats().workersReplaced(), "a slow link is not a lost one");
            }
        }
    }
}
