package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pool and a worker host over TLS 1.3 with client certificates: the control and the worker connections. */
@Tag("python")
class RemoteHostsTlsTest {
    @TempDir
    Path dir;

    @Test
    void aPoolWithTheRightCertificateRunsCallsAndSessionsOverTls() throws Exception {
        Path certs = WorkerHostProcess.makeCerts(dir);
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1", List.of(), "127.0.0.1", certs);
             TaipanPool pool = TaipanPool.start(TestPools.config().heartbeatInterval(Duration.ofMillis(300))
                     .remoteHosts(host.tlsHost(certs, "client")).secret("API_KEY", "s3cr3t-value").workers(2).build())) {
            assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3)));
            assertEquals("s3cr3t-value", pool.call("taipan_testing.functions:env_get", List.of("API_KEY")));
            try (Session s = pool.openSession()) {
                assertEquals(1L, s.call("taipan_testing.functions:counter", List.of(1)));
                assertEquals(2L, s.call("taipan_testing.functions:counter", List.of(1)));
            }
            assertTrue(host.log().contains("TLS 1.3"), host.log());
            assertTrue(!host.log().contains("s3cr3t-value"), host.log());
        }
    }

    @Test
    void aPoolWithACertificateFromAnotherCaIsRefusedAndFailsToStart() throws Exception {
        Path certs = WorkerHostProcess.makeCerts(dir);
        try (WorkerHostProcess host = new WorkerHostProcess(dir, "h1", List.of(), "127.0.0.1", certs)) {
            PoolStartException e = assertThrows(PoolStartException.class, () -> TaipanPool.start(TestPools.config()
                    .remoteHosts(host.tlsHost(certs, "other-client")).workers(1).maxConsecutiveStartFailures(1)
                    .build()).close());
            assertTrue(e.getMessage().contains("cannot reach host 127.0.0.1:" + host.port), e.getMessage());
            assertTrue(TestPools.eventually(Duration.ofSeconds(20), () -> host.log().contains("TLS handshake refused")),
                    host.log());
            assertTrue(host.workerPids().isEmpty());
        }
    }
}
