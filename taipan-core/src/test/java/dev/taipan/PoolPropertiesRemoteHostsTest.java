package dev.taipan;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code taipan.pool.remote-hosts}, {@code local-workers} and {@code tls.*}: parsing and its errors. No Python. */
class PoolPropertiesRemoteHostsTest {
    @TempDir
    static Path certs;

    @BeforeAll
    static void makeCertificates() throws IOException, InterruptedException {
        // The script users run (bin/taipan certs), into this test's own directory.
        ProcessBuilder pb = new ProcessBuilder("bash", TestPools.repo().resolve("tools/make-test-ca.sh").toString(),
                certs.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("make-test-ca.sh failed: " + out);
        }
    }

    private static Map<String, Object> tls() {
        Map<String, Object> p = new HashMap<>();
        p.put("taipan.pool.tls.certificate-chain", certs.resolve("client.pem").toString());
        p.put("taipan.pool.tls.private-key", certs.resolve("client-key.pem").toString());
        p.put("taipan.pool.tls.trusted-certificates", certs.resolve("ca.pem").toString());
        return p;
    }

    private static PoolConfig parse(Map<String, ?> props) {
        return PoolProperties.parse(props, name -> null);
    }

    private static PoolConfigException rejected(Map<String, ?> props) {
        return assertThrows(PoolConfigException.class, () -> parse(props));
    }

    @Test
    void hostsOverTlsWithEveryTlsSettingLeaseAndLocalWorkers() {
        Map<String, Object> p = tls();
        p.put("taipan.pool.remote-hosts", "gpu-1.internal:7300, 10.0.0.7:7301 ,[fd00::5]:7302");
        p.put("taipan.pool.tls.peer-name", "worker-host.test");
        p.put("taipan.pool.tls.handshake-timeout", "3s");
        p.put("taipan.pool.remote-hosts.lease", "20s");
        p.put("taipan.pool.local-workers", "true");
        PoolConfig c = parse(p);
        List<RemoteHost> hosts = c.remoteHosts();
        assertEquals(List.of("gpu-1.internal:7300", "10.0.0.7:7301", "[fd00::5]:7302"),
                hosts.stream().map(RemoteHost::toString).toList());
        assertEquals("fd00::5", hosts.get(2).address());
        assertTrue(c.localWorkers());
        for (RemoteHost h : hosts) {
            assertFalse(h.plainTcp());
            assertEquals(Duration.ofSeconds(20), h.lease());
            TlsConfig t = h.tlsConfig().orElseThrow();
            assertEquals(certs.resolve("client.pem"), t.certificateChain());
            assertEquals(certs.resolve("client-key.pem"), t.privateKey());
            assertEquals(certs.resolve("ca.pem"), t.trustedCertificates());
            assertEquals("worker-host.test", t.peerName().orElseThrow());
            assertEquals(Duration.ofSeconds(3), t.handshakeTimeout());
        }
        // Without local-workers, remote hosts alone run the workers; the default lease stays.
        p.remove("taipan.pool.local-workers");
        p.remove("taipan.pool.remote-hosts.lease");
        PoolConfig remoteOnly = parse(p);
        assertFalse(remoteOnly.localWorkers());
        assertEquals(RemoteHost.DEFAULT_LEASE, remoteOnly.remoteHosts().get(0).lease());
    }

    @Test
    void plainTcpIsAskedForByNameAndOnlyOnLoopback() {
        PoolConfig c = parse(Map.of("taipan.pool.remote-hosts", "127.0.0.1:7300,[::1]:7301",
                "taipan.pool.remote-hosts.plain-tcp", "true"));
        assertEquals(2, c.remoteHosts().size());
        assertTrue(c.remoteHosts().stream().allMatch(RemoteHost::plainTcp));

        PoolConfigException notLoopback = rejected(Map.of("taipan.pool.remote-hosts", "127.0.0.1:7300,10.1.2.3:7300",
                "taipan.pool.remote-hosts.plain-tcp", "true"));
        assertEquals("taipan.pool.remote-hosts", notLoopback.setting());
        assertTrue(notLoopback.getMessage().contains("'10.1.2.3:7300'")
                && notLoopback.getMessage().contains("plain TCP is allowed only on loopback"), notLoopback.getMessage());

        Map<String, Object> both = tls();
        both.put("taipan.pool.remote-hosts", "127.0.0.1:7300");
        both.put("taipan.pool.remote-hosts.plain-tcp", "true");
        assertEquals("taipan.pool.remote-hosts.plain-tcp", rejected(both).setting());
    }

    @Test
    void hostsWithoutTlsOrPlainTcpSayWhatIsMissing() {
        PoolConfigException e = rejected(Map.of("taipan.pool.remote-hosts", "gpu-1:7300"));
        assertEquals("taipan.pool.remote-hosts", e.setting());
        assertTrue(e.getMessage().startsWith("taipan.pool.remote-hosts: needs TLS settings")
                && e.getMessage().contains("taipan.pool.tls.certificate-chain")
                && e.getMessage().contains("taipan.pool.remote-hosts.plain-tcp=true"), e.getMessage());
        // plain-tcp=false is not a way round it.
        assertEquals("taipan.pool.remote-hosts", rejected(Map.of("taipan.pool.remote-hosts", "127.0.0.1:7300",
                "taipan.pool.remote-hosts.plain-tcp", "false")).setting());
    }

    @Test
    void aBadEntryIsNamed() {
        Map<String, String> cases = Map.of(
                "gpu-1", "entry 'gpu-1': expected address:port",
                "gpu-1:http", "entry 'gpu-1:http': the port must be a number",
                "gpu-1:0", "entry 'gpu-1:0': port must be between 1 and 65535, got 0",
                "gpu-1:70000", "entry 'gpu-1:70000': port must be between 1 and 65535",
                "fd00::5:7300", "entry 'fd00::5:7300': an IPv6 address goes in brackets",
                "[fd00::5]7300", "entry '[fd00::5]7300': expected [IPv6-address]:port",
                ":7300", "entry ':7300': the address must not be empty");
        cases.forEach((entry, message) -> {
            Map<String, Object> p = tls();
            p.put("taipan.pool.remote-hosts", "ok-host:7300," + entry);
            PoolConfigException e = rejected(p);
            assertEquals("taipan.pool.remote-hosts", e.setting());
            assertTrue(e.getMessage().startsWith("taipan.pool.remote-hosts: " + message), e.getMessage());
        });
        assertEquals("taipan.pool.remote-hosts", rejected(Map.of("taipan.pool.remote-hosts", " , ")).setting());
        // The same host twice: the builder's check, named by the property.
        Map<String, Object> twice = tls();
        twice.put("taipan.pool.remote-hosts", "gpu-1:7300,gpu-1:7300");
        PoolConfigException e = rejected(twice);
        assertEquals("taipan.pool.remote-hosts", e.setting());
        assertTrue(e.getMessage().contains("given twice"), e.getMessage());
    }

    @Test
    void tlsFileErrorsNameTheTlsProperty() throws IOException {
        Map<String, Object> missing = tls();
        missing.remove("taipan.pool.tls.private-key");
        missing.put("taipan.pool.remote-hosts", "gpu-1:7300");
        PoolConfigException e = rejected(missing);
        assertEquals("taipan.pool.tls.private-key", e.setting());
        assertTrue(e.getMessage().startsWith("taipan.pool.tls.private-key: is required"), e.getMessage());

        Path notPem = Files.writeString(certs.resolve("not-a-cert.pem"), "hello");
        Map<String, Object> bad = tls();
        bad.put("taipan.pool.tls.trusted-certificates", notPem.toString());
        bad.put("taipan.pool.remote-hosts", "gpu-1:7300");
        assertEquals("taipan.pool.tls.trusted-certificates", rejected(bad).setting());

        Map<String, Object> wrongKey = tls();
        wrongKey.put("taipan.pool.tls.private-key", certs.resolve("other-client-key.pem").toString());
        wrongKey.put("taipan.pool.remote-hosts", "gpu-1:7300");
        PoolConfigException mismatch = rejected(wrongKey);
        assertTrue(mismatch.setting().startsWith("taipan.pool.tls."), mismatch.getMessage());

        Map<String, Object> timeout = tls();
        timeout.put("taipan.pool.tls.handshake-timeout", "soon");
        timeout.put("taipan.pool.remote-hosts", "gpu-1:7300");
        PoolConfigException t = rejected(timeout);
        assertEquals("taipan.pool.tls.handshake-timeout", t.setting());
        assertTrue(t.getMessage().contains("expected a duration"), t.getMessage());

        Map<String, Object> zero = tls();
        zero.put("taipan.pool.tls.handshake-timeout", "0");
        zero.put("taipan.pool.remote-hosts", "gpu-1:7300");
        assertEquals("taipan.pool.tls.handshake-timeout", rejected(zero).setting());
    }

    @Test
    void hostSettingsWithoutHostsAndBadLeasesAreRefused() {
        PoolConfigException orphan = rejected(tls());
        assertTrue(orphan.setting().startsWith("taipan.pool.tls.")
                && orphan.getMessage().contains("applies to taipan.pool.remote-hosts, which is not set"), orphan.getMessage());
        assertEquals("taipan.pool.remote-hosts.lease", rejected(Map.of("taipan.pool.remote-hosts.lease", "5s")).setting());
        PoolConfigException lease = rejected(Map.of("taipan.pool.remote-hosts", "127.0.0.1:7300",
                "taipan.pool.remote-hosts.plain-tcp", "true", "taipan.pool.remote-hosts.lease", "100ms"));
        assertEquals("taipan.pool.remote-hosts.lease", lease.setting());
        assertTrue(lease.getMessage().contains("lease must be between"), lease.getMessage());
        // local-workers=false with no hosts: the builder's check, named by the property.
        assertEquals("taipan.pool.local-workers", rejected(Map.of("taipan.pool.local-workers", "false")).setting());
        assertEquals("taipan.pool.local-workers", rejected(Map.of("taipan.pool.local-workers", "maybe")).setting());
    }
}
