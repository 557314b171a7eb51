package dev.taipan.pool;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;

/**
 * A TLS connection refused or broken, with the {@link Reason} in a word and a message naming
 * the peer and what failed ("TLS with 10.0.0.7:7300: certificate not trusted: ..."). An
 * {@link SSLException}, so whatever handles socket failures handles it; the JDK's own exception
 * is its cause. Neither holds key material or secrets: only names from certificates.
 */
public final class TlsException extends SSLException {
    /** What failed, for code that reacts to it (and for the logs, in words, in the message). */
    public enum Reason {
        /** The other side's certificate is not signed by a trusted CA (or is expired, or revoked). */
        NOT_TRUSTED("certificate not trusted"),
        /** The other side's certificate does not carry the expected name. */
        NAME_MISMATCH("certificate does not name the peer"),
        /** A client connected without a certificate. */
        NO_CLIENT_CERTIFICATE("no client certificate"),
        /** The other side did not speak TLS (garbage, or plain frames). */
        NOT_TLS("not a TLS peer"),
        /** The other side offered no TLS 1.3. */
        PROTOCOL_VERSION("not TLS 1.3"),
        /** The other side sent an alert: it refused this side (its certificate, mostly). */
        REFUSED_BY_PEER("refused by the peer"),
        /** The handshake did not finish within its time. */
        TIMEOUT("handshake timed out"),
        /** The other side closed the connection during the handshake. */
        CLOSED("closed during the handshake"),
        /** Anything else the TLS layer reported. */
        OTHER("TLS failure");

        private final String words;

        Reason(String words) {
            this.words = words;
        }

        /** {@return the reason in a few words, as the message gives it} */
        public String words() {
            return words;
        }
    }

    private final Reason reason;
    private final String peer;

    TlsException(Reason reason, String peer, String detail, Throwable cause) {
        super("TLS with " + peer + ": " + reason.words + (detail == null || detail.isEmpty() ? "" : ": " + detail),
                cause);
        this.reason = reason;
        this.peer = peer;
    }

    /** {@return what failed} */
    public Reason reason() {
        return reason;
    }

    /** {@return the other side, as the message names it} */
    public String peer() {
        return peer;
    }

    /**
     * Names what the JDK's TLS layer reported. {@code client}: this side is the client, so a
     * certificate it does not trust is the server's.
     */
    static TlsException classify(SSLException e, String peer, boolean client) {
        if (e instanceof TlsException t) {
            return t;
        }
        String other = client ? "the server's" : "the client's";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                return new TlsException(Reason.NOT_TRUSTED, peer, other + " certificate is not signed by a trusted CA ("
                        + t.getMessage() + ")", e);
            }
            if (t instanceof CertificateException && t.getMessage() != null
                    && (t.getMessage().startsWith("No subject alternative") || t.getMessage().startsWith("No name matching"))) {
                return new TlsException(Reason.NAME_MISMATCH, peer, t.getMessage(), e);
            }
        }
        String m = String.valueOf(e.getMessage());
        if (m.contains("Empty client certificate chain") || m.contains("certificate_required")) {
            return new TlsException(Reason.NO_CLIENT_CERTIFICATE, peer, client
                    ? "the server requires one and this side sent none" : "the client sent none", e);
        }
        if (m.contains("Unsupported or unrecognized SSL message") || m.contains("plaintext connection")) {
            return new TlsException(Reason.NOT_TLS, peer, "its first bytes are not a TLS record", e);
        }
        if (m.contains("protocol_version") || m.contains("not enabled or supported")
                || m.contains("No appropriate protocol")) {
            return new TlsException(Reason.PROTOCOL_VERSION, peer, "only TLS 1.3 is accepted (" + m + ")", e);
        }
        int alert = m.indexOf("Received fatal alert: ");
        if (alert >= 0) {
            String name = m.substring(alert + 22).strip();
            return new TlsException(Reason.REFUSED_BY_PEER, peer, "alert " + name + hint(name), e);
        }
        if (e instanceof SSLHandshakeException && (m.contains("closed") || m.contains("EOF"))) {
            return new TlsException(Reason.CLOSED, peer, m, e);
        }
        return new TlsException(Reason.OTHER, peer, m, e);
    }

    private static String hint(String alert) {
        return switch (alert) {
            case "unknown_ca", "certificate_unknown", "bad_certificate" ->
                    " (it does not trust this side's certificate: is it signed by a CA the peer trusts?)";
            case "certificate_expired" -> " (this side's certificate has expired)";
            case "certificate_required" -> " (it requires a client certificate)";
            case "protocol_version" -> " (it does not speak TLS 1.3)";
            default -> "";
        };
    }
}
