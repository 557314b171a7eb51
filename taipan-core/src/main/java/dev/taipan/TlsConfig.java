package dev.taipan;

import dev.taipan.pool.TlsContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS 1.3 with mutual authentication for a connection to a worker on another host: this side's
 * certificate chain and private key, and the certificate authorities whose certificates it
 * trusts from the other side. Both sides present a certificate and both verify the other's;
 * nothing else (no TLS 1.2, no anonymous peer) is accepted.
 *
 * <p>All three are PEM files, the same ones Python's {@code ssl} module reads:
 * <ul>
 *   <li>{@link Builder#certificateChain}: this side's certificate first, then any intermediates;</li>
 *   <li>{@link Builder#privateKey}: its key, RSA or EC, as unencrypted PKCS#8
 *       ({@code -----BEGIN PRIVATE KEY-----}); an encrypted or a PKCS#1/SEC1 key is refused with
 *       the {@code openssl} command that converts it;</li>
 *   <li>{@link Builder#trustedCertificates}: one or more CA certificates.</li>
 * </ul>
 * {@link Builder#build} reads and checks them all (the key must match the certificate, the
 * certificates must be within their validity), so a bad file fails here, naming the setting,
 * not at the first connection. The files are read again when a pool starts; nothing read from
 * them is kept in this object, logged, or shown by {@link #toString}, which gives the paths.
 * See docs/TLS.md for making the files.
 */
public final class TlsConfig {
    /** The default {@link Builder#handshakeTimeout}. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private final Path certificateChain;
    private final Path privateKey;
    private final Path trustedCertificates;
    private final String peerName;
    private final Duration handshakeTimeout;

    private TlsConfig(Builder b) {
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.trustedCertificates = b.trustedCertificates;
        this.peerName = b.peerName;
        this.handshakeTimeout = b.handshakeTimeout;
    }

    /** {@return a builder with no files set and the default handshake timeout} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the PEM file of this side's certificate chain, its own certificate first} */
    public Path certificateChain() {
        return certificateChain;
    }

    /** {@return the PEM file of this side's private key (unencrypted PKCS#8)} */
    public Path privateKey() {
        return privateKey;
    }

    /** {@return the PEM file of the CA certificates trusted to sign the other side's certificate} */
    public Path trustedCertificates() {
        return trustedCertificates;
    }

    /**
     * {@return the name the other side's certificate must carry, if one was set} Without it a
     * client checks the server's certificate against the host name or address it connects to,
     * and a server accepts any client certificate its trusted CAs signed.
     */
    public Optional<String> peerName() {
        return Optional.ofNullable(peerName);
    }

    /** {@return how long a TLS handshake may take before the connection is given up} */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Paths and names only: never anything read from the files. */
    @Override
    public String toString() {
        return "TlsConfig{certificateChain=" + certificateChain + ", privateKey=" + privateKey
                + ", trustedCertificates=" + trustedCertificates
                + (peerName == null ? "" : ", peerName=" + peerName)
                + ", handshakeTimeout=" + handshakeTimeout + "}";
    }

    /** Builds a {@link TlsConfig}; {@link #build} checks the files. */
    public static final class Builder {
        private Path certificateChain;
        private Path privateKey;
        private Path trustedCertificates;
        private String peerName;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;

        private Builder() {
        }

        /**
         * This side's certificate chain: a PEM file of one or more {@code CERTIFICATE} blocks,
         * its own certificate first.
         *
         * @param pem the file, not null
         * @return this builder
         * @throws NullPointerException if {@code pem} is null
         */
        public Builder certificateChain(Path pem) {
            this.certificateChain = Objects.requireNonNull(pem, "certificateChain");
            return this;
        }

        /**
         * This side's private key: a PEM file holding one unencrypted PKCS#8 key
         * ({@code -----BEGIN PRIVATE KEY-----}), RSA or EC. Keep it readable by its owner only.
         *
         * @param pem the file, not null
         * @return this builder
         * @throws NullPointerException if {@code pem} is null
         */
        public Builder privateKey(Path pem) {
            this.privateKey = Objects.requireNonNull(pem, "privateKey");
            return this;
        }

        /**
         * The certificate authorities trusted to have signed the other side's certificate: a
         * PEM file of one or more {@code CERTIFICATE} blocks.
         *
         * @param pem the file, not null
         * @return this builder
         * @throws NullPointerException if {@code pem} is null
         */
        public Builder trustedCertificates(Path pem) {
            this.trustedCertificates = Objects.requireNonNull(pem, "trustedCertificates");
            return this;
        }

        /**
         * The name the other side's certificate must carry (a DNS name or an IP address among
         * its subject alternative names). A client checks it in place of the host it connects
         * to (for a host reached by an address its certificate does not name); a server then
         * accepts only clients whose certificate names it.
         *
         * @param name the name, not blank
         * @return this builder
         * @throws PoolConfigException if {@code name} is null or blank
         */
        public Builder peerName(String name) {
            if (name == null || name.isBlank()) {
                throw new PoolConfigException("peerName", "peerName must not be blank", "must not be blank");
            }
            this.peerName = name.strip();
            return this;
        }

        /**
         * How long a TLS handshake may take (default {@link #DEFAULT_HANDSHAKE_TIMEOUT}); a peer
         * that has not finished it by then is dropped.
         *
         * @param timeout from 1 ms to {@link PoolConfig#MAX_DURATION}
         * @return this builder
         * @throws PoolConfigException if {@code timeout} is null or out of that range
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1 || timeout.compareTo(PoolConfig.MAX_DURATION) > 0) {
                throw new PoolConfigException("handshakeTimeout", "handshakeTimeout must be from 1 ms to "
                        + PoolConfig.MAX_DURATION + ", was " + timeout, "must be from 1 ms to " + PoolConfig.MAX_DURATION);
            }
            this.handshakeTimeout = timeout;
            return this;
        }

        /**
         * Reads and checks the three files.
         *
         * @return the config
         * @throws PoolConfigException naming the setting whose file is missing, unreadable, not
         *     PEM of the right kind, an encrypted or PKCS#1 key, a key that does not match the
         *     certificate, or a certificate out of its validity
         */
        public TlsConfig build() {
            require(certificateChain, "certificateChain");
            require(privateKey, "privateKey");
            require(trustedCertificates, "trustedCertificates");
            TlsConfig config = new TlsConfig(this);
            try {
                TlsContext.load(config); // checked now, dropped: the pool reads the files again when it starts
            } catch (TlsContext.BadFile e) {
                throw new PoolConfigException(e.setting(), e.setting() + ": " + e.getMessage(), e.getMessage());
            }
            return config;
        }

        private static void require(Path p, String setting) {
            if (p == null) {
                throw new PoolConfigException(setting, setting + " is required (a PEM file)", "is required (a PEM file)");
            }
        }
    }
}
