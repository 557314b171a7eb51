package dev.taipan.pool;

import dev.taipan.TestPools;
import dev.taipan.TlsConfig;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for a test by {@code tools/make-test-ca.sh} (the script users run) in a
 * directory of the test's own: a CA, a host and a client certificate it signed, and the same
 * from an unrelated CA. Nothing is checked in, so nothing expires.
 */
record TlsFiles(Path dir) {
    /** Runs the script into {@code dir} ({@code keyKind}: ec or rsa). */
    static TlsFiles make(Path dir, String keyKind) throws IOException, InterruptedException {
        Path script = TestPools.repo().resolve("tools/make-test-ca.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), dir.toString(), "worker-host.test");
        pb.environment().put("TAIPAN_CERT_KEY", keyKind);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("make-test-ca.sh failed: " + out);
        }
        return new TlsFiles(dir);
    }

    static TlsFiles make(Path dir) throws IOException, InterruptedException {
        return make(dir, "ec");
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** A config of {@code who} (host, client, other-host, other-client), trusting {@code ca} (ca, other-ca). */
    TlsConfig.Builder config(String who, String ca) {
        return TlsConfig.builder()
                .certificateChain(file(who + ".pem"))
                .privateKey(file(who + "-key.pem"))
                .trustedCertificates(file(ca + ".pem"));
    }

    TlsContext context(String who, String ca) throws TlsContext.BadFile {
        return TlsContext.load(config(who, ca).build());
    }

    TlsContext host() throws TlsContext.BadFile {
        return context("host", "ca");
    }

    TlsContext client() throws TlsContext.BadFile {
        return context("client", "ca");
    }

    /**
     * A JDK context of this side's choosing, for peers TlsContext refuses to be: {@code who} null
     * presents no certificate; {@code protocol} "TLSv1.2" speaks only that.
     */
    SSLContext rawContext(String who, String protocol) throws Exception {
        KeyManagerFactory kmf = null;
        if (who != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            TlsConfig c = config(who, "ca").build();
            // The same files, loaded as the JDK's own tools would: a PKCS#8 key through KeyFactory.
            String pem = Files.readString(c.privateKey());
            byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            java.security.PrivateKey key = java.security.KeyFactory.getInstance(
                    pem.length() > 1000 ? "RSA" : "EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
            ks.setKeyEntry("k", key, new char[0], certificates(c.certificateChain()).toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, new char[0]);
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", certificates(file("ca.pem")).get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance(protocol);
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static List<Certificate> certificates(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
        }
    }
}
