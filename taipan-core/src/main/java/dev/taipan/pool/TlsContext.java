package dev.taipan.pool;

import dev.taipan.TlsConfig;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TlsConfig} loaded: its PEM files read with the JDK alone (a {@link CertificateFactory},
 * a {@link KeyFactory}, an in-memory {@link KeyStore}) into an {@link SSLContext} for TLS 1.3 with
 * mutual authentication, and the {@link TlsTransport}s made from it: {@link #connect} (the pool's
 * side, the TLS client) and {@link #accept} (the server's side: tests, and a listener).
 *
 * <p>The key's bytes live only inside the key store the context holds; the decoded PEM is
 * zeroed once parsed. Nothing read from the files appears in a message: errors name the file
 * and what is wrong with it.
 */
public final class TlsContext {
    /** TLS 1.3 only: its handshake encrypts the certificates, and it has no weak suites to turn off. */
    static final String PROTOCOL = "TLSv1.3";

    private final SSLContext ssl;
    private final String peerName;
    private final long handshakeTimeoutMillis;

    private TlsContext(SSLContext ssl, String peerName, long handshakeTimeoutMillis) {
        this.ssl = ssl;
        this.peerName = peerName;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /** A file of the config that cannot be used; {@link #setting()} names the config's setting. */
    public static final class BadFile extends Exception {
        private final String setting;

        BadFile(String setting, String message) {
            super(message);
            this.setting = setting;
        }

        /** {@return the {@link TlsConfig} setting whose file is bad} */
        public String setting() {
            return setting;
        }
    }

    /**
     * Reads the config's files and makes the context.
     *
     * @throws BadFile naming the setting whose file is missing or wrong
     */
    public static TlsContext load(TlsConfig config) throws BadFile {
        List<X509Certificate> chain = certificates(config.certificateChain(), "certificateChain");
        for (X509Certificate c : chain) {
            checkValidity(c, config.certificateChain(), "certificateChain");
        }
        List<X509Certificate> trusted = certificates(config.trustedCertificates(), "trustedCertificates");
        for (X509Certificate c : trusted) {
            checkValidity(c, config.trustedCertificates(), "trustedCertificates");
        }
        PrivateKey key = privateKey(config.privateKey());
        checkPair(key, chain.get(0), config);
        try {
            // The key store's password protects nothing (it never leaves memory), but the API wants one.
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("taipan", key, password, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, password);

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                trust.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);

            SSLContext ssl = SSLContext.getInstance(PROTOCOL);
            ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return new TlsContext(ssl, config.peerName().orElse(null), config.handshakeTimeout().toMillis());
        } catch (GeneralSecurityException | IOException e) {
            throw new BadFile("certificateChain", "cannot make a TLS context of " + config.certificateChain()
                    + " and " + config.privateKey() + ": " + e.getMessage());
        }
    }

    /** {@return how long a handshake may take, from the config} */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /**
     * The client's side: runs the TLS handshake over {@code channel} (connected, to a server
     * reached as {@code host}), checking the server's certificate against the trusted CAs and
     * against the config's peer name, or else {@code host} (a DNS name or an IP address among
     * its subject alternative names). Takes over the channel: closes it if the handshake fails.
     *
     * @throws TlsException if the handshake fails or does not finish within the config's timeout
     * @throws IOException if the socket fails
     */
    public TlsTransport connect(SocketChannel channel, String host) throws IOException {
        String expected = peerName != null ? peerName : host;
        int port = port(channel);
        SSLEngine engine = ssl.createSSLEngine(expected, port);
        engine.setUseClientMode(true);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(new String[] {PROTOCOL});
        // "HTTPS" is the JDK's name for RFC 2818/6125 name checking: the server's certificate must name `expected`.
        params.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isAddress(expected)) {
            params.setServerNames(List.of(new SNIHostName(expected)));
        }
        engine.setSSLParameters(params);
        return TlsTransport.handshake(channel, engine, describe(channel, host), handshakeTimeoutMillis, null);
    }

    /**
     * The server's side: runs the handshake over an accepted {@code channel}, requiring a client
     * certificate signed by a trusted CA (and naming the config's peer name, if it has one).
     * Takes over the channel: closes it if the handshake fails.
     *
     * @throws TlsException if the handshake fails (no client certificate, an untrusted one, a
     *     peer that does not speak TLS 1.3) or does not finish within the config's timeout
     * @throws IOException if the socket fails
     */
    public TlsTransport accept(SocketChannel channel) throws IOException {
        SSLEngine engine = ssl.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters params = engine.getSSLParameters();
        params.setProtocols(new String[] {PROTOCOL});
        params.setNeedClientAuth(true);
        engine.setSSLParameters(params);
        return TlsTransport.handshake(channel, engine, describe(channel, null), handshakeTimeoutMillis, peerName);
    }

    // ---------------------------------------------------------------- names

    /** Whether the server-side check of a client certificate finds {@code name} in it. */
    static boolean names(X509Certificate cert, String name) throws SSLPeerUnverifiedException {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            boolean address = isAddress(name);
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    String value = String.valueOf(san.get(1));
                    if (type == 2 && !address && value.equalsIgnoreCase(name)) {
                        return true; // dNSName
                    }
                    if (type == 7 && address && sameAddress(value, name)) {
                        return true; // iPAddress
                    }
                }
            }
            return false;
        } catch (CertificateParsingException e) {
            throw new SSLPeerUnverifiedException("the peer's certificate has unreadable subject alternative names");
        }
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return InetAddress.getByName(a).equals(InetAddress.getByName(b)); // both literals: no lookup
        } catch (IOException e) {
            return false;
        }
    }

    static boolean isAddress(String name) {
        return name.indexOf(':') >= 0 || name.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch));
    }

    private static int port(SocketChannel channel) {
        try {
            SocketAddress a = channel.getRemoteAddress();
            return a instanceof InetSocketAddress i ? i.getPort() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** How errors name the other side: what the caller called it, and its address. */
    private static String describe(SocketChannel channel, String host) {
        String address;
        try {
            SocketAddress a = channel.getRemoteAddress();
            address = a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort()
                    : String.valueOf(a);
        } catch (IOException e) {
            address = "?";
        }
        return host == null || address.startsWith(host + ":") ? address : host + " (" + address + ")";
    }

    // ---------------------------------------------------------------- PEM

    private record Block(String label, byte[] der) {
    }

    private static String text(Path file, String setting) throws BadFile {
        try {
            if (Files.isDirectory(file)) {
                throw new BadFile(setting, file + " is a directory, not a PEM file");
            }
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new BadFile(setting, file + " does not exist");
        } catch (IOException e) {
            // Malformed input (not ASCII) is an IOException too; its message holds no content.
            throw new BadFile(setting, "cannot read " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    /** The PEM blocks of a file, in order; never the text itself in an error. */
    private static List<Block> blocks(Path file, String setting) throws BadFile {
        String text = text(file, setting);
        List<Block> blocks = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", at);
            if (begin < 0) {
                break;
            }
            int labelEnd = text.indexOf("-----", begin + 11);
            if (labelEnd < 0) {
                throw new BadFile(setting, file + " has a PEM header that does not end");
            }
            String label = text.substring(begin + 11, labelEnd);
            String footer = "-----END " + label + "-----";
            int end = text.indexOf(footer, labelEnd);
            if (end < 0) {
                throw new BadFile(setting, file + " has a '" + label + "' block with no end line");
            }
            String body = text.substring(labelEnd + 5, end);
            if (body.contains(":")) {
                // RFC 1421 headers ("Proc-Type: 4,ENCRYPTED"): the traditional OpenSSL encrypted key.
                blocks.add(new Block(label + " (encrypted)", new byte[0]));
            } else {
                try {
                    blocks.add(new Block(label, Base64.getMimeDecoder().decode(body)));
                } catch (IllegalArgumentException e) {
                    throw new BadFile(setting, file + " has a '" + label + "' block that is not valid base64");
                }
            }
            at = end + footer.length();
        }
        if (blocks.isEmpty()) {
            throw new BadFile(setting, file + " holds no PEM block (-----BEGIN ...-----)");
        }
        return blocks;
    }

    private static List<X509Certificate> certificates(Path file, String setting) throws BadFile {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Block b : blocks(file, setting)) {
            if (b.label.contains("PRIVATE KEY")) {
                throw new BadFile(setting, file + " holds a private key, not certificates; a key belongs in privateKey"
                        + " (and in a file of its own)");
            }
            if (!b.label.equals("CERTIFICATE")) {
                continue; // parameters, CRLs: not ours
            }
            try {
                certs.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der)));
            } catch (CertificateException e) {
                throw new BadFile(setting, file + " has a CERTIFICATE block that is not an X.509 certificate ("
                        + e.getMessage() + ")");
            }
        }
        if (certs.isEmpty()) {
            throw new BadFile(setting, file + " holds no CERTIFICATE block");
        }
        return certs;
    }

    private static void checkValidity(X509Certificate c, Path file, String setting) throws BadFile {
        try {
            c.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new BadFile(setting, file + ": the certificate of " + c.getSubjectX500Principal().getName()
                    + " expired on " + c.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new BadFile(setting, file + ": the certificate of " + c.getSubjectX500Principal().getName()
                    + " is not valid before " + c.getNotBefore().toInstant());
        }
    }

    private static PrivateKey privateKey(Path file) throws BadFile {
        String setting = "privateKey";
        List<Block> blocks = blocks(file, setting);
        String convert = "convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem"
                + " (and keep the result readable by its owner only)";
        Block key = null;
        for (Block b : blocks) {
            if (b.label.endsWith("PRIVATE KEY") || b.label.endsWith("(encrypted)")) {
                if (key != null) {
                    throw new BadFile(setting, file + " holds more than one private key");
                }
                key = b;
            }
        }
        if (key == null) {
            throw new BadFile(setting, file + " holds no private key"
                    + (blocks.get(0).label.equals("CERTIFICATE") ? " (it holds a certificate)" : ""));
        }
        try {
            if (key.label.equals("ENCRYPTED PRIVATE KEY") || key.label.endsWith("(encrypted)")) {
                throw new BadFile(setting, file + " holds an encrypted key; Taipan reads unencrypted PKCS#8 keys: "
                        + convert + ", entering its passphrase");
            }
            if (key.label.equals("RSA PRIVATE KEY") || key.label.equals("EC PRIVATE KEY")) {
                throw new BadFile(setting, file + " holds a " + key.label.substring(0, 2) + " key in the traditional"
                        + " (" + (key.label.startsWith("RSA") ? "PKCS#1" : "SEC1") + ") form; Taipan reads PKCS#8 keys"
                        + " (-----BEGIN PRIVATE KEY-----): " + convert);
            }
            if (!key.label.equals("PRIVATE KEY")) {
                throw new BadFile(setting, file + " holds a '" + key.label + "' block, not a PKCS#8 PRIVATE KEY");
            }
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(key.der);
            for (String algorithm : new String[] {"RSA", "EC", "RSASSA-PSS", "EdDSA"}) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                } catch (GeneralSecurityException wrongAlgorithm) {
                    // try the next
                }
            }
            throw new BadFile(setting, file + " holds a PKCS#8 key that is neither RSA nor EC (nor EdDSA)");
        } finally {
            Arrays.fill(key.der, (byte) 0);
        }
    }

    /** The key must be the certificate's: sign with one, verify with the other. */
    private static void checkPair(PrivateKey key, X509Certificate cert, TlsConfig config) throws BadFile {
        PublicKey pub = cert.getPublicKey();
        String algorithm = switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EDDSA", "ED25519", "ED448" -> "EdDSA";
            default -> null;
        };
        boolean matches;
        if (!key.getAlgorithm().equalsIgnoreCase(pub.getAlgorithm())
                && !(algorithm != null && algorithm.equals("EdDSA") && pub.getAlgorithm().startsWith("Ed"))) {
            matches = false;
        } else if (algorithm == null) {
            return; // RSASSA-PSS: the handshake will tell
        } else {
            try {
                byte[] probe = new byte[32];
                new SecureRandom().nextBytes(probe);
                Signature s = Signature.getInstance(algorithm);
                s.initSign(key);
                s.update(probe);
                byte[] sig = s.sign();
                Signature v = Signature.getInstance(algorithm);
                v.initVerify(pub);
                v.update(probe);
                matches = v.verify(sig);
            } catch (GeneralSecurityException e) {
                matches = false;
            }
        }
        if (!matches) {
            throw new BadFile("privateKey", config.privateKey() + " is not the key of the first certificate in "
                    + config.certificateChain() + " (" + cert.getSubjectX500Principal().getName() + ")");
        }
    }

    static long millisLeft(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }
}
