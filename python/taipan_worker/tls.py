"""TLS 1.3 with mutual authentication: the ``ssl`` contexts of a worker host and of a client.

The same PEM files as the pool's ``dev.taipan.TlsConfig``: this side's certificate chain, its
private key (unencrypted PKCS#8, RSA or EC), and the CA certificates it trusts for the other
side. Both contexts accept TLS 1.3 only and require the other side's certificate
(``CERT_REQUIRED`` both ways): a server made here refuses a client without a certificate from a
trusted CA during the handshake, before any frame is read. Nothing read from the files is
logged or put in an error message; errors name the file.
"""

from __future__ import annotations

import ssl
from os import PathLike
from typing import Optional, Union

StrPath = Union[str, "PathLike[str]"]

__all__ = ["TlsError", "server_context", "client_context", "check_peer_name", "describe_failure"]


class TlsError(Exception):
    """A TLS file that cannot be used, or a peer refused; the message says which and why."""


def _base(purpose: ssl.Purpose, cert: StrPath, key: StrPath, cafile: StrPath) -> ssl.SSLContext:
    protocol = ssl.PROTOCOL_TLS_SERVER if purpose is ssl.Purpose.CLIENT_AUTH else ssl.PROTOCOL_TLS_CLIENT
    ctx = ssl.SSLContext(protocol)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.verify_mode = ssl.CERT_REQUIRED
    _check_key(key)
    try:
        ctx.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except FileNotFoundError as exc:
        raise TlsError(f"{exc.filename} does not exist") from None
    except ssl.SSLError as exc:
        raise TlsError(f"cannot use the certificate {cert} with the key {key}: {exc.reason or exc}") from None
    try:
        ctx.load_verify_locations(cafile=str(cafile))
    except FileNotFoundError:
        raise TlsError(f"{cafile} does not exist") from None
    except ssl.SSLError as exc:
        raise TlsError(f"{cafile} holds no usable CA certificate: {exc.reason or exc}") from None
    return ctx


def _check_key(key: StrPath) -> None:
    """Refuses what the Java side refuses, with the same advice (never showing the file's content)."""
    try:
        with open(key, "rb") as f:
            head = f.read(4096)
    except FileNotFoundError:
        raise TlsError(f"{key} does not exist") from None
    convert = f"convert it with: openssl pkcs8 -topk8 -nocrypt -in {key} -out key.pem"
    if b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in head or b"Proc-Type: 4,ENCRYPTED" in head:
        raise TlsError(f"{key} holds an encrypted key; Taipan reads unencrypted PKCS#8 keys: {convert}")
    if b"-----BEGIN RSA PRIVATE KEY-----" in head or b"-----BEGIN EC PRIVATE KEY-----" in head:
        raise TlsError(f"{key} holds a key in the traditional (PKCS#1/SEC1) form; Taipan reads PKCS#8 keys: {convert}")
    if b"-----BEGIN PRIVATE KEY-----" not in head:
        raise TlsError(f"{key} holds no PKCS#8 private key (-----BEGIN PRIVATE KEY-----)")


def server_context(cert: StrPath, key: StrPath, cafile: StrPath) -> ssl.SSLContext:
    """The context of a TLS server (a worker host): presents ``cert`` and requires a client
    certificate that a CA in ``cafile`` signed. Raises ``TlsError`` for an unusable file."""
    return _base(ssl.Purpose.CLIENT_AUTH, cert, key, cafile)


def client_context(cert: StrPath, key: StrPath, cafile: StrPath, check_hostname: bool = True) -> ssl.SSLContext:
    """The context of a TLS client: presents ``cert`` and requires a server certificate that a
    CA in ``cafile`` signed and (``check_hostname``) that names the host it connects to, given
    as ``server_hostname``. Raises ``TlsError`` for an unusable file."""
    ctx = _base(ssl.Purpose.SERVER_AUTH, cert, key, cafile)
    ctx.check_hostname = check_hostname
    return ctx


def check_peer_name(ssl_object: Union[ssl.SSLObject, ssl.SSLSocket], name: str) -> None:
    """Raises ``TlsError`` unless the peer's (verified) certificate carries ``name`` among its
    subject alternative names (a server's check of a client it expects by name)."""
    cert = ssl_object.getpeercert()
    if not cert:
        raise TlsError("the peer presented no certificate")
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]
    wanted = name.lower()
    if not any(n.lower() == wanted for n in names):
        raise TlsError(f"the peer's certificate names {', '.join(names) or 'nothing'}, not {name}")


def describe_failure(exc: BaseException) -> str:
    """A refused handshake in words, as the Java side says it (for a server's log line)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        reason: Optional[str] = exc.reason
        if reason == "PEER_DID_NOT_RETURN_A_CERTIFICATE":
            return "no client certificate"
        if reason in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "UNKNOWN_PROTOCOL", "RECORD_LAYER_FAILURE",
                      "PACKET_LENGTH_TOO_LONG"):
            return f"not a TLS peer ({reason})"
        if reason in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION", "NO_PROTOCOLS_AVAILABLE"):
            return f"not TLS 1.3 ({reason})"
        if reason in ("TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "SSLV3_ALERT_CERTIFICATE_UNKNOWN"):
            return f"refused by the peer ({reason}: it does not trust this side's certificate)"
        return f"TLS failure ({reason or exc})"
    return f"{type(exc).__name__}: {exc}"
