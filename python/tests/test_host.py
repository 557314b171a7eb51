"""The worker host (``python -m taipan_worker.host``) against its real process, over loopback TCP:
the control channel, the allow-list and limits, workers in listen mode, and the lease."""

from __future__ import annotations

import os
import signal
import ssl
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import msgpack
import pytest

from taipan_worker.protocol import encode_frame, read_frame

pytestmark = pytest.mark.process

TIMEOUT = 20.0
TOKEN = "t" * 32


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (a killed worker its host has not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:][:1] != b"Z"


def wait_until(condition: Any, what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class HostProcess:
    def __init__(self, tmp: Path, *args: str, modules: str = "taipan_testing.functions") -> None:
        self.port_file = tmp / "port"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "taipan_worker.host", "--plain-tcp", "--bind", "127.0.0.1",
             "--port-file", str(self.port_file), "--name", "h1", "--modules", modules, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        wait_until(lambda: self.port_file.exists() or self.proc.poll() is not None, "the host to listen")
        assert self.proc.poll() is None, self.proc.stderr.read().decode()  # type: ignore[union-attr]
        self.port = int(self.port_file.read_text())

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.stderr.read().decode()  # type: ignore[union-attr]


class Control:
    """A pool's control connection, blocking, with a backlog of reports read past."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.backlog: List[Dict[str, Any]] = []

    def send(self, message: Dict[str, Any]) -> None:
        body = msgpack.packb(message, use_bin_type=True)
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def read(self) -> Optional[Dict[str, Any]]:
        header = self._exactly(4)
        if not header:
            return None
        (length,) = struct.unpack(">I", header)
        return msgpack.unpackb(self._exactly(length), raw=False)

    def _exactly(self, n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return bytes(data)
            data += chunk
        return bytes(data)

    def expect(self, kind: str, **match: Any) -> Dict[str, Any]:
        for i, report in enumerate(self.backlog):
            if report["type"] == kind and all(report.get(k) == v for k, v in match.items()):
                return self.backlog.pop(i)
        while True:
            report = self.read()
            assert report is not None, f"the host closed the connection before a {kind!r}"
            if report["type"] == kind and all(report.get(k) == v for k, v in match.items()):
                return report
            self.backlog.append(report)

    def open(self, pool: str = "p1", lease_ms: int = 10_000, **extra: Any) -> Dict[str, Any]:
        self.send({"type": "open", "pool": pool, "run_id": "r1", "lease_ms": lease_ms, **extra})
        return self.expect("opened")

    def start(self, worker_id: str = "w1", modules: Optional[List[str]] = None, slots: int = 2,
              token: str = TOKEN) -> Dict[str, Any]:
        self.send({"type": "start", "worker_id": worker_id, "token": token,
                   "modules": ["taipan_testing.functions"] if modules is None else modules, "slots": slots,
                   "max_frame_bytes": 1 << 20})
        while True:
            report = self.read()
            assert report is not None
            if report["type"] in ("started", "refused") and report.get("worker_id") == worker_id:
                return report
            self.backlog.append(report)

    def close(self) -> None:
        self.sock.close()


def connect_worker(port: int, worker_id: str = "w1", token: str = TOKEN) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    sock.sendall(encode_frame({"v": 1, "type": "auth", "worker_id": worker_id, "token": token}))
    return sock


def call(sock: socket.socket, cid: int, function: str, args: List[Any]) -> Dict[str, Any]:
    sock.sendall(encode_frame({"v": 1, "type": "call", "id": cid, "function": function, "args": args,
                               "session": None, "timeout_ms": None}))
    stream = sock.makefile("rb")
    while True:
        frame = read_frame(stream)
        assert frame is not None, "the worker closed the connection"
        if frame.get("id") == cid:
            return frame


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostProcess]:
    h = HostProcess(tmp_path, "--max-workers", "3", "--max-slots", "4")
    yield h
    h.stop()


def test_a_worker_started_on_request_serves_calls_over_its_own_port(host: HostProcess) -> None:
    control = Control(host.port)
    opened = control.open()
    assert opened["host"] == "h1" and opened["modules"] == ["taipan_testing.functions"]
    started = control.start()
    assert started["type"] == "started" and started["port"] != host.port
    sock = connect_worker(started["port"])
    hello = read_frame(sock.makefile("rb"))
    assert hello is not None and hello["type"] == "hello" and hello["pid"] == started["pid"]
    assert "taipan_testing.functions:add" in hello["functions"] and hello["slots"] == 2
    assert call(sock, 1, "taipan_testing.functions:add", [2, 3])["value"] == 5
    sock.close()
    exited = control.expect("exited", worker_id="w1")
    assert exited["status"] == 0  # EOF on its connection: a normal exit, reported on the control channel
    control.close()


def test_the_worker_refuses_a_wrong_token_and_still_takes_the_right_one(host: HostProcess) -> None:
    control = Control(host.port)
    control.open()
    port = control.start()["port"]
    bad = connect_worker(port, token="x" * 32)
    assert bad.recv(1) == b""  # closed without a word
    bad.close()
    good = connect_worker(port)
    assert read_frame(good.makefile("rb"))["type"] == "hello"  # type: ignore[index]
    line = control.expect("output", worker_id="w1", stream="stderr")
    assert "refused a connection" in line["lines"][0] and "wrong token" in line["lines"][0]
    assert "x" * 32 not in line["lines"][0]
    good.close()
    control.close()


def test_a_module_outside_the_allow_list_is_refused_with_the_reason(host: HostProcess) -> None:
    control = Control(host.port)
    control.open()
    refused = control.start(modules=["os"])
    assert refused["type"] == "refused"
    assert "module os is not allowed on host h1" in refused["error"] and "taipan_testing.functions" in refused["error"]
    assert control.start(worker_id="w2", slots=5)["error"].startswith("slots must be from 1 to 4")
    assert control.start(worker_id="w3", token="short")["type"] == "refused"
    # The connection stays usable: refusals harm nothing.
    assert control.start(worker_id="w4")["type"] == "started"
    control.close()


def test_the_host_limits_the_workers_of_all_pools_together(host: HostProcess) -> None:
    a, b = Control(host.port), Control(host.port)
    a.open("pa")
    b.open("pb")
    assert a.start("w1")["type"] == "started" and a.start("w2")["type"] == "started"
    assert b.start("w1")["type"] == "started"  # ids are per pool
    refused = b.start("w2")
    assert refused["type"] == "refused" and "maximum of 3 workers" in refused["error"]
    a.close()
    b.close()


def test_a_pool_that_closes_its_control_connection_loses_its_workers_and_only_its(host: HostProcess) -> None:
    a, b = Control(host.port), Control(host.port)
    a.open("pa")
    b.open("pb")
    pa = a.start("w1")["pid"]
    pb = b.start("w1")["pid"]
    a.close()
    wait_until(lambda: not pid_alive(pa), "pool pa's worker to be killed")
    assert pid_alive(pb)
    b.send({"type": "heartbeat", "seq": 7})
    assert b.expect("heartbeat")["seq"] == 7
    b.close()


def test_a_lease_that_is_not_renewed_ends_the_pools_workers(host: HostProcess) -> None:
    control = Control(host.port)
    assert control.open(lease_ms=2000)["lease_ms"] == 2000
    started = control.start()
    sock = connect_worker(started["port"])
    assert read_frame(sock.makefile("rb"))["type"] == "hello"  # type: ignore[index]
    # The pool says nothing more (as when it is partitioned away): the lease runs out.
    wait_until(lambda: not pid_alive(started["pid"]), "the lease to expire")
    assert control.read() is None  # and the host dropped the connection
    sock.close()


def test_heartbeats_keep_a_lease_alive(host: HostProcess) -> None:
    control = Control(host.port)
    control.open(lease_ms=400)
    pid = control.start()["pid"]
    deadline = time.monotonic() + 1.5
    seq = 0
    while time.monotonic() < deadline:
        seq += 1
        control.send({"type": "heartbeat", "seq": seq})
        assert control.expect("heartbeat", seq=seq)
        time.sleep(0.1)  # pacing the heartbeats, not synchronisation
    assert pid_alive(pid)
    control.close()


def test_stop_terminates_a_worker_and_reports_its_exit(host: HostProcess) -> None:
    control = Control(host.port)
    control.open()
    started = control.start()
    sock = connect_worker(started["port"])
    assert read_frame(sock.makefile("rb"))["type"] == "hello"  # type: ignore[index]
    control.send({"type": "stop", "worker_id": "w1", "signal": "kill"})
    assert control.expect("exited", worker_id="w1")["status"] == 128 + 9
    sock.close()
    control.close()


def test_secrets_reach_the_worker_environment_but_not_the_host_log(host: HostProcess) -> None:
    control = Control(host.port)
    control.open(env={"API_KEY": "s3cr3t-value"})
    sock = connect_worker(control.start()["port"])
    assert read_frame(sock.makefile("rb"))["type"] == "hello"  # type: ignore[index]
    assert call(sock, 1, "taipan_testing.functions:env_get", ["API_KEY"])["value"] == "s3cr3t-value"
    sock.close()
    control.close()
    log = host.stop()
    assert "opened" in log and "s3cr3t-value" not in log and TOKEN not in log


@pytest.mark.parametrize("first", [
    b"GET / HTTP/1.1\r\n\r\n",  # garbage: a length far above the limit
    struct.pack(">I", 5000) + b"x" * 5000,  # a first frame above 4 KiB
    struct.pack(">I", 3) + b"\xc1\xc1\xc1",  # not MessagePack
])
def test_a_bad_first_frame_closes_that_connection_only(host: HostProcess, first: bytes) -> None:
    good = Control(host.port)
    good.open()
    bad = socket.create_connection(("127.0.0.1", host.port), timeout=TIMEOUT)
    bad.sendall(first)
    assert bad.recv(1) == b""
    bad.close()
    good.send({"type": "heartbeat", "seq": 1})
    assert good.expect("heartbeat", seq=1)
    good.close()


def test_a_request_before_open_is_an_error(host: HostProcess) -> None:
    control = Control(host.port)
    control.send({"type": "start", "worker_id": "w1", "token": TOKEN, "modules": [], "slots": 1})
    error = control.expect("error")
    assert "first request must be 'open'" in error["error"]
    assert control.read() is None


def test_sigkill_of_the_host_takes_its_workers_with_it(host: HostProcess) -> None:
    control = Control(host.port)
    control.open()
    pid = control.start()["pid"]
    host.proc.kill()
    host.proc.wait(TIMEOUT)
    wait_until(lambda: not pid_alive(pid), "the worker to die with its host")
    assert control.read() is None


def test_plain_tcp_is_refused_off_loopback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "taipan_worker.host", "--plain-tcp", "--bind", "0.0.0.0"],
                            capture_output=True, timeout=TIMEOUT)
    assert result.returncode == 2 and b"loopback" in result.stderr
    result = subprocess.run([sys.executable, "-m", "taipan_worker.host", "--bind", "127.0.0.1"],
                            capture_output=True, timeout=TIMEOUT)
    assert result.returncode == 2 and b"--plain-tcp" in result.stderr


# ---------------------------------------------------------------- TLS 1.3, mutual


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    root = Path(__file__).resolve().parents[2]
    subprocess.run(["bash", str(root / "tools" / "make-test-ca.sh"), str(tmp_path / "certs")], check=True,
                   capture_output=True, timeout=120)
    return tmp_path / "certs"


def tls_host(tmp: Path, certs: Path) -> HostProcess:
    h = HostProcess.__new__(HostProcess)
    h.port_file = tmp / "tls-port"
    h.proc = subprocess.Popen(
        [sys.executable, "-m", "taipan_worker.host", "--bind", "127.0.0.1", "--port-file", str(h.port_file),
         "--name", "h1", "--modules", "taipan_testing.functions", "--tls-cert", str(certs / "host.pem"),
         "--tls-key", str(certs / "host-key.pem"), "--tls-ca", str(certs / "ca.pem")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until(lambda: h.port_file.exists() or h.proc.poll() is not None, "the host to listen")
    assert h.proc.poll() is None, h.proc.stderr.read().decode()  # type: ignore[union-attr]
    h.port = int(h.port_file.read_text())
    return h


def tls_connect(port: int, certs: Path, client: str = "client") -> socket.socket:
    from taipan_worker.tls import client_context

    ctx = client_context(certs / f"{client}.pem", certs / f"{client}-key.pem", certs / "ca.pem")
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def test_over_tls_the_control_channel_and_the_worker_need_the_pools_certificate(tmp_path: Path, certs: Path) -> None:
    host = tls_host(tmp_path, certs)
    try:
        control = Control.__new__(Control)
        control.sock = tls_connect(host.port, certs)
        control.backlog = []
        control.open(env={"API_KEY": "s3cr3t-value"})
        started = control.start()
        assert started["type"] == "started"
        # A client with a certificate from another CA is refused in the handshake, by the worker too.
        for port in (host.port, started["port"]):
            with pytest.raises((ssl.SSLError, OSError)):
                s = tls_connect(port, certs, client="other-client")
                s.recv(1)  # TLS 1.3: the server's refusal may arrive on the first read
                raise OSError("not refused")
        worker = tls_connect(started["port"], certs)
        worker.sendall(encode_frame({"v": 1, "type": "auth", "worker_id": "w1", "token": TOKEN}))
        assert read_frame(worker.makefile("rb"))["type"] == "hello"  # type: ignore[index]
        assert call(worker, 1, "taipan_testing.functions:env_get", ["API_KEY"])["value"] == "s3cr3t-value"
        worker.close()
        control.close()
    finally:
        log = host.stop()
    assert "TLS handshake refused" in log and "s3cr3t-value" not in log, log


def test_max_memory_limits_each_workers_address_space(tmp_path: Path) -> None:
    host = HostProcess(tmp_path, "--max-memory-mb", "2048")
    try:
        control = Control(host.port)
        control.open()
        sock = connect_worker(control.start()["port"])
        assert read_frame(sock.makefile("rb"))["type"] == "hello"  # type: ignore[index]
        assert call(sock, 1, "taipan_testing.functions:address_space_limit", [])["value"] == 2048 << 20
        sock.close()
        control.close()
    finally:
        host.stop()
