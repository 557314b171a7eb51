"""taipan_worker.tls: the server and client contexts from the same PEM files as the pool's
TlsConfig, over real sockets: TLS 1.3 with certificates both ways, and each refusal with its
reason in words (what a worker host logs)."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import pytest

from taipan_worker.tls import TlsError, check_peer_name, client_context, describe_failure, server_context

pytestmark = pytest.mark.process  # openssl makes the certificates

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("certs")
    subprocess.run(["bash", str(REPO / "tools" / "make-test-ca.sh"), str(d), "worker-host.test"], check=True,
                   capture_output=True, timeout=120)
    return d


def _server(certs: Path, who: str = "host") -> ssl.SSLContext:
    return server_context(certs / f"{who}.pem", certs / f"{who}-key.pem", certs / "ca.pem")


def _client(certs: Path, who: str = "client") -> ssl.SSLContext:
    return client_context(certs / f"{who}.pem", certs / f"{who}-key.pem", certs / "ca.pem")


def _handshake(server: ssl.SSLContext, client: ssl.SSLContext, hostname: str = "localhost",
               payload: bytes = b"") -> Tuple[Optional[BaseException], Optional[BaseException], bytes]:
    """One connection over loopback TCP: (the server's failure, the client's failure, what came back)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    outcome: Dict[str, Any] = {"server": None}

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            with server.wrap_socket(conn, server_side=True) as tls:
                data = tls.recv(65536)
                tls.sendall(data)
        except BaseException as exc:  # noqa: BLE001 - the outcome under test
            outcome["server"] = exc
        finally:
            conn.close()

    t = threading.Thread(target=serve)
    t.start()
    back = b""
    client_exc: Optional[BaseException] = None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with client.wrap_socket(raw, server_hostname=hostname) as tls:
                assert tls.version() == "TLSv1.3"
                tls.sendall(payload or b"ping")
                back = tls.recv(65536)
                if not back:
                    raise ConnectionError("closed by the server")
    except BaseException as exc:  # noqa: BLE001
        client_exc = exc
    t.join(20)
    listener.close()
    return outcome["server"], client_exc, back


def test_contexts_are_tls13_only_and_require_the_peers_certificate(certs: Path) -> None:
    for ctx in (_server(certs), _client(certs)):
        assert ctx.minimum_version == ssl.TLSVersion.TLSv1_3
        assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert _client(certs).check_hostname


def test_a_round_trip_with_certificates_both_ways(certs: Path) -> None:
    server_exc, client_exc, back = _handshake(_server(certs), _client(certs), payload=b"\x00\x00\x00\x01\x80")
    assert (server_exc, client_exc) == (None, None)
    assert back == b"\x00\x00\x00\x01\x80"


def test_the_host_is_reached_by_each_name_its_certificate_carries(certs: Path) -> None:
    for name in ("localhost", "127.0.0.1", "worker-host.test"):
        # (worker-host.test is not resolved: the socket connects to 127.0.0.1, the name is only checked)
        server_exc, client_exc, _ = _handshake(_server(certs), _client(certs), hostname=name)
        assert (server_exc, client_exc) == (None, None), name
    server_exc, client_exc, _ = _handshake(_server(certs), _client(certs), hostname="elsewhere.test")
    assert isinstance(client_exc, ssl.SSLCertVerificationError)
    assert "certificate not trusted" in describe_failure(client_exc)


def test_a_client_without_a_certificate_is_refused(certs: Path) -> None:
    bare = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    bare.minimum_version = ssl.TLSVersion.TLSv1_3
    bare.load_verify_locations(certs / "ca.pem")
    server_exc, client_exc, _ = _handshake(_server(certs), bare)
    assert server_exc is not None and describe_failure(server_exc) == "no client certificate"
    assert client_exc is not None


def test_a_client_certificate_from_another_ca_is_refused(certs: Path) -> None:
    server_exc, client_exc, _ = _handshake(_server(certs), _client(certs, "other-client"))
    assert isinstance(server_exc, ssl.SSLCertVerificationError)
    assert describe_failure(server_exc).startswith("certificate not trusted")
    assert client_exc is not None


def test_a_server_certificate_from_another_ca_is_refused(certs: Path) -> None:
    server_exc, client_exc, _ = _handshake(_server(certs, "other-host"), _client(certs))
    assert isinstance(client_exc, ssl.SSLCertVerificationError)
    assert server_exc is not None
    assert "refused by the peer" in describe_failure(server_exc) or "TLS failure" in describe_failure(server_exc)


def test_a_tls12_only_client_is_refused(certs: Path) -> None:
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    old.load_cert_chain(certs / "client.pem", certs / "client-key.pem")
    old.load_verify_locations(certs / "ca.pem")
    server_exc, client_exc, _ = _handshake(_server(certs), old)
    assert server_exc is not None and describe_failure(server_exc).startswith("not TLS 1.3")
    assert client_exc is not None


def test_garbage_instead_of_a_client_hello_is_refused(certs: Path) -> None:
    ctx = _server(certs)
    listener = socket.create_server(("127.0.0.1", 0))
    with socket.create_connection(listener.getsockname(), timeout=10) as raw:
        raw.sendall(b"\x00\x00\x00\x20" + b"x" * 32)  # a plain frame header and body
        conn, _ = listener.accept()
        conn.settimeout(10)
        with pytest.raises(ssl.SSLError) as info:
            ctx.wrap_socket(conn, server_side=True)
        conn.close()
    listener.close()
    assert describe_failure(info.value).startswith("not a TLS peer")


def test_check_peer_name_reads_the_subject_alternative_names(certs: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    names: Dict[str, Any] = {}

    def serve() -> None:
        conn, _ = listener.accept()
        with _server(certs).wrap_socket(conn, server_side=True) as tls:
            check_peer_name(tls, "taipan-pool")
            with pytest.raises(TlsError, match="names taipan-pool, not someone-else"):
                check_peer_name(tls, "someone-else")
            names["ok"] = True
            tls.sendall(b"x")

    t = threading.Thread(target=serve)
    t.start()
    with socket.create_connection(listener.getsockname(), timeout=10) as raw:
        with _client(certs).wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.recv(1) == b"x"
    t.join(20)
    listener.close()
    assert names == {"ok": True}


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def test_keys_in_other_forms_are_refused_with_the_command_that_converts_them(certs: Path, tmp_path: Path) -> None:
    pkcs1 = tmp_path / "traditional.pem"
    _openssl("pkey", "-in", str(certs / "client-key.pem"), "-traditional", "-out", str(pkcs1))
    encrypted = tmp_path / "encrypted.pem"
    _openssl("pkcs8", "-topk8", "-in", str(certs / "client-key.pem"), "-passout", "pass:hunter22", "-out", str(encrypted))
    for key, words in ((pkcs1, "traditional"), (encrypted, "encrypted")):
        with pytest.raises(TlsError) as info:
            client_context(certs / "client.pem", key, certs / "ca.pem")
        message = str(info.value)
        assert words in message and "openssl pkcs8 -topk8 -nocrypt" in message
        assert "hunter22" not in message and "PRIVATE KEY-----\n" not in message


def test_missing_and_mismatched_files_are_named(certs: Path, tmp_path: Path) -> None:
    with pytest.raises(TlsError, match="does not exist"):
        client_context(certs / "client.pem", tmp_path / "nope.pem", certs / "ca.pem")
    with pytest.raises(TlsError, match="does not exist"):
        client_context(certs / "client.pem", certs / "client-key.pem", tmp_path / "nope.pem")
    with pytest.raises(TlsError, match="cannot use the certificate"):
        client_context(certs / "host.pem", certs / "client-key.pem", certs / "ca.pem")
    assert oct(os.stat(certs / "client-key.pem").st_mode & 0o777) == "0o600"
