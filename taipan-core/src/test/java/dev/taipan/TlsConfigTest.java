package dev.taipan;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TlsConfig} checks its files when built: each bad file fails then, naming the setting and
 * the file and saying what is wrong (with the openssl command for a key in another form), and
 * never showing what the file holds.
 */
class TlsConfigTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void certificates() throws Exception {
        run("bash", TestPools.repo().resolve("tools/make-test-ca.sh").toString(), dir.toString());
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, () -> String.join(" ", command) + ": " + out);
    }

    private static TlsConfig.Builder good() {
        return TlsConfig.builder().certificateChain(dir.resolve("client.pem")).privateKey(dir.resolve("client-key.pem"))
                .trustedCertificates(dir.resolve("ca.pem"));
    }

    private static PoolConfigException bad(TlsConfig.Builder b, String setting, String... words) {
        PoolConfigException e = assertThrows(PoolConfigException.class, b::build);
        assertEquals(setting, e.setting());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "'" + w + "' in: " + e.getMessage());
        }
        assertFalse(e.getMessage().matches("(?s).*[A-Za-z0-9+/=]{60,}.*"), () -> "never the file's content: " + e.getMessage());
        return e;
    }

    @Test
    void goodFilesBuildAndToStringShowsPathsOnly() {
        TlsConfig c = good().peerName("worker-host.test").build();
        assertEquals(dir.resolve("client.pem"), c.certificateChain());
        assertEquals("worker-host.test", c.peerName().orElseThrow());
        assertEquals(TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT, c.handshakeTimeout());
        assertTrue(c.toString().contains("client-key.pem"));
        assertFalse(c.toString().contains("BEGIN"));
    }

    @Test
    void missingSettingsAndFilesAreNamed() {
        bad(TlsConfig.builder().privateKey(dir.resolve("client-key.pem")).trustedCertificates(dir.resolve("ca.pem")),
                "certificateChain", "is required");
        bad(good().privateKey(dir.resolve("nope.pem")), "privateKey", "nope.pem", "does not exist");
        bad(good().trustedCertificates(dir), "trustedCertificates", "is a directory");
        bad(good().certificateChain(dir.resolve("ca.srl")), "certificateChain", "holds no PEM block");
        bad(good().certificateChain(dir.resolve("client-key.pem")), "certificateChain", "holds a private key");
        bad(good().privateKey(dir.resolve("client.pem")), "privateKey", "holds no private key");
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        bad(good().privateKey(dir.resolve("host-key.pem")), "privateKey", "is not the key of the first certificate",
                "CN=taipan-pool");
    }

    @Test
    void encryptedAndTraditionalKeysAreRefusedWithTheCommandThatConvertsThem() throws Exception {
        Path pkcs8 = dir.resolve("client-key.pem");
        Path encrypted = dir.resolve("encrypted-key.pem");
        run("openssl", "pkcs8", "-topk8", "-in", pkcs8.toString(), "-passout", "pass:hunter22", "-out", encrypted.toString());
        PoolConfigException e = bad(good().privateKey(encrypted), "privateKey", "holds an encrypted key",
                "openssl pkcs8 -topk8 -nocrypt -in " + encrypted);
        assertFalse(e.getMessage().contains("hunter22"));
        Path sec1 = dir.resolve("traditional-key.pem");
        run("openssl", "pkey", "-in", pkcs8.toString(), "-traditional", "-out", sec1.toString());
        bad(good().privateKey(sec1), "privateKey", "EC key in the traditional (SEC1) form", "openssl pkcs8 -topk8 -nocrypt");
        Path rsa1 = dir.resolve("rsa-traditional-key.pem");
        run("openssl", "genrsa", "-traditional", "-out", rsa1.toString(), "2048");
        bad(good().privateKey(rsa1), "privateKey", "RSA key in the traditional (PKCS#1) form");
    }

    @Test
    void garbageInAPemBlockIsNamed() throws Exception {
        Path broken = dir.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        bad(good().trustedCertificates(broken), "trustedCertificates", "broken.pem");
        Path open = dir.resolve("open.pem");
        Files.writeString(open, "-----BEGIN CERTIFICATE-----\nMIIB\n");
        bad(good().certificateChain(open), "certificateChain", "no end line");
    }

    @Test
    void badNamesAndTimeoutsFailAtOnce() {
        for (String name : List.of("", "  ")) {
            assertEquals("peerName", assertThrows(PoolConfigException.class, () -> good().peerName(name)).setting());
        }
        for (Duration d : List.of(Duration.ZERO, Duration.ofDays(400))) {
            assertEquals("handshakeTimeout",
                    assertThrows(PoolConfigException.class, () -> good().handshakeTimeout(d)).setting());
        }
    }
}
