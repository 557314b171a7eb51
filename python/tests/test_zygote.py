"""The zygote's control channel against the real ``python -m taipan_worker.zygote``."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterator, List

import msgpack
import pytest

from taipan_worker.protocol import encode_frame, read_frame

TIMEOUT = 20.0


class ZygoteHost:
    """A listening socket, a zygote subprocess and its control channel."""

    def __init__(self, tmp: str, modules: str = "taipan_testing.functions", extra_path: str = "",
                 secrets: "Dict[str, str] | None" = None, send_env: bool = True) -> None:
        self.socket_path = os.path.join(tmp, "pool.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.socket_path)
        self.server.listen(16)
        self.server.settimeout(TIMEOUT)
        env = dict(os.environ)
        if extra_path:
            env["PYTHONPATH"] = extra_path + os.pathsep + env.get("PYTHONPATH", "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "taipan_worker.zygote", "--socket", self.socket_path, "--modules", modules,
             "--pool-name", "ztest", "--parent-pid", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self.backlog: List[Dict[str, Any]] = []
        if send_env:
            # What the pool sends first: its secrets, which are not in the zygote's environment.
            self.send({"type": "env", "env": secrets or {}})

    def read(self) -> Dict[str, Any]:
        assert self.proc.stdout is not None
        header = self.proc.stdout.read(4)
        assert len(header) == 4, "control channel closed"
        (length,) = struct.unpack(">I", header)
        return msgpack.unpackb(self.proc.stdout.read(length), raw=False)

    def expect(self, kind: str, **match: Any) -> Dict[str, Any]:
        """The next report of ``kind`` matching ``match``; others are kept in order."""
        for i, report in enumerate(self.backlog):
            if report["type"] == kind and all(report.get(k) == v for k, v in match.items()):
                return self.backlog.pop(i)
        while True:
            report = self.read()
            if report["type"] == kind and all(report.get(k) == v for k, v in match.items()):
                return report
            self.backlog.append(report)

    def send(self, message: Dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        body = msgpack.packb(message, use_bin_type=True)
        self.proc.stdin.write(struct.pack(">I", len(body)) + body)
        self.proc.stdin.flush()

    def fork(self, worker_id: str, token: str = "secret-token") -> int:
        self.send({"type": "fork", "worker_id": worker_id, "token": token})
        return int(self.expect("forked", worker_id=worker_id)["pid"])

    def accept(self) -> socket.socket:
        conn, _ = self.server.accept()
        conn.settimeout(TIMEOUT)
        return conn

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(TIMEOUT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        self.server.close()


@pytest.fixture
def host() -> Iterator[ZygoteHost]:
    with tempfile.TemporaryDirectory(prefix="taipan-z-") as tmp:
        h = ZygoteHost(tmp)
        try:
            yield h
        finally:
            h.close()


def _hello(conn: socket.socket) -> Dict[str, Any]:
    stream = conn.makefile("rb")
    auth = read_frame(stream)
    hello = read_frame(stream)
    assert auth is not None and hello is not None
    return {"auth": auth, "hello": hello, "stream": stream}


def test_ready_reports_the_imports_and_no_threads(host: ZygoteHost) -> None:
    ready = host.expect("ready")
    assert ready["imported"] == ["taipan_testing.functions"]
    assert ready["failed"] == []
    assert ready["threads"] == 1
    # The zygote runs below its guardian, the process we started (see process.guard_descendants).
    stat = Path(f"/proc/{ready['pid']}/stat").read_text()
    assert int(stat[stat.rindex(")") + 2:].split()[1]) == host.proc.pid


def test_a_forked_worker_authenticates_and_serves_calls(host: ZygoteHost) -> None:
    host.expect("ready")
    pid = host.fork("w-1", token="tok-123")
    conn = host.accept()
    got = _hello(conn)
    assert got["auth"]["worker_id"] == "w-1" and got["auth"]["token"] == "tok-123"
    assert got["hello"]["pid"] == pid
    assert "taipan_testing.functions:add" in got["hello"]["functions"]
    conn.sendall(encode_frame({"v": 1, "type": "call", "id": 1, "function": "taipan_testing.functions:add",
                               "args": [2, 3]}))
    result = read_frame(got["stream"])
    assert result is not None and result["type"] == "result" and result["value"] == 5
    # Its stderr comes through the zygote, line by line, tagged with its pid.
    conn.sendall(encode_frame({"v": 1, "type": "call", "id": 2, "function": "taipan_testing.functions:write_stderr",
                               "args": ["w-1 on stderr"]}))
    result = read_frame(got["stream"])
    assert result is not None and result["type"] == "result", result
    lines = host.expect("output", pid=pid, stream="stderr")["lines"]
    assert "w-1 on stderr" in lines, lines
    got["stream"].close()
    conn.close()  # EOF: the worker exits 0
    assert host.expect("exited", pid=pid)["status"] == 0


def test_a_killed_worker_is_reported_with_128_plus_the_signal(host: ZygoteHost) -> None:
    host.expect("ready")
    pid = host.fork("w-1")
    conn = host.accept()
    _hello(conn)
    os.kill(pid, signal.SIGKILL)
    assert host.expect("exited", pid=pid)["status"] == 128 + signal.SIGKILL
    host.expect("closed", pid=pid, stream="stderr")
    conn.close()


def test_two_workers_are_distinct_processes_of_the_zygote(host: ZygoteHost) -> None:
    zygote = host.expect("ready")["pid"]
    pids = [host.fork("w-1"), host.fork("w-2")]
    conns = [host.accept(), host.accept()]
    ids = sorted(_hello(c)["auth"]["worker_id"] for c in conns)
    assert ids == ["w-1", "w-2"]
    assert len(set(pids)) == 2
    for pid in pids:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        assert int(fields[1]) == zygote  # parent
        assert int(fields[2]) == pid  # leads its own process group
    for c in conns:
        c.close()


def test_eof_on_the_control_channel_ends_the_zygote_and_its_workers(host: ZygoteHost) -> None:
    host.expect("ready")
    pid = host.fork("w-1")
    conn = host.accept()
    _hello(conn)
    assert host.proc.stdin is not None
    host.proc.stdin.close()
    assert host.proc.wait(TIMEOUT) == 0
    # The worker has the parent-death signal: it goes with its zygote, and the kernel closes
    # its end of the socket (it has no calls in flight and would otherwise wait for more).
    assert conn.recv(1) == b""
    conn.close()


@pytest.mark.process
def test_a_module_that_fails_in_the_zygote_fails_in_the_worker_with_its_traceback() -> None:
    with tempfile.TemporaryDirectory(prefix="taipan-z-") as tmp:
        Path(tmp, "broken_mod.py").write_text("raise RuntimeError('broken at import')\n")
        h = ZygoteHost(tmp, modules="broken_mod", extra_path=tmp)
        try:
            ready = h.expect("ready")
            assert ready["failed"] == ["broken_mod"]
            pid = h.fork("w-1")
            conn = h.accept()  # kept open: the worker must fail on the import, not on a closed socket
            assert h.expect("exited", pid=pid)["status"] == 2
            conn.close()
            text = "\n".join(line for r in [*h.backlog] if r["type"] == "output" for line in r["lines"])
            while "broken at import" not in text:
                report = h.read()
                if report["type"] == "output":
                    text += "\n" + "\n".join(report["lines"])
            assert "RuntimeError: broken at import" in text
        finally:
            h.close()


@pytest.mark.process
def test_a_module_that_starts_threads_is_reported() -> None:
    with tempfile.TemporaryDirectory(prefix="taipan-z-") as tmp:
        Path(tmp, "threaded_mod.py").write_text(
            "import threading\n_e = threading.Event()\nthreading.Thread(target=_e.wait, daemon=True).start()\n")
        h = ZygoteHost(tmp, modules="threaded_mod", extra_path=tmp)
        try:
            assert h.expect("ready")["threads"] == 2
        finally:
            h.close()


@pytest.mark.process
def test_printing_at_import_does_not_corrupt_the_control_channel() -> None:
    with tempfile.TemporaryDirectory(prefix="taipan-z-") as tmp:
        Path(tmp, "chatty_mod.py").write_text("print('hello from import' * 100)\nimport os\nos.write(1, b'raw fd 1')\n")
        h = ZygoteHost(tmp, modules="chatty_mod", extra_path=tmp)
        try:
            assert h.expect("ready")["imported"] == ["chatty_mod"]
            assert h.proc.stderr is not None
            h.proc.stdin.close()  # type: ignore[union-attr]
            assert h.proc.wait(TIMEOUT) == 0
            assert b"raw fd 1" in h.proc.stderr.read()
        finally:
            h.close()


@pytest.mark.process
def test_secrets_arrive_before_the_imports_and_no_environ_block_shows_them_or_a_token() -> None:
    secret = "sk-zygote-secret-5b2a"
    with tempfile.TemporaryDirectory(prefix="taipan-z-") as tmp:
        Path(tmp, "env_mod.py").write_text(
            "import os\nfrom taipan_worker import function\nAT_IMPORT = os.environ.get('MY_API_KEY')\n\n"
            "@function\ndef seen() -> list:\n    return [AT_IMPORT, os.environ.get('MY_API_KEY')]\n")
        h = ZygoteHost(tmp, modules="env_mod", extra_path=tmp, secrets={"MY_API_KEY": secret})
        try:
            assert h.expect("ready")["imported"] == ["env_mod"]
            pid = h.fork("w-1", token="tok-zygote-0c9f")
            conn = h.accept()
            got = _hello(conn)
            assert got["auth"]["token"] == "tok-zygote-0c9f"
            conn.sendall(encode_frame({"v": 1, "type": "call", "id": 1, "function": "env_mod:seen", "args": []}))
            result = read_frame(got["stream"])
            assert result is not None and result["value"] == [secret, secret], result
            for proc_pid in (h.proc.pid, pid):
                with open(f"/proc/{proc_pid}/environ", "rb") as f:
                    block = f.read()
                assert secret.encode() not in block and b"MY_API_KEY=" not in block
                assert b"tok-zygote-0c9f" not in block and b"TAIPAN_WORKER_TOKEN" not in block
            got["stream"].close()
            conn.close()
        finally:
            h.close()


@pytest.mark.process
def test_a_first_request_other_than_env_ends_the_zygote() -> None:
    with tempfile.TemporaryDirectory(prefix="taipan-z-") as tmp:
        h = ZygoteHost(tmp, send_env=False)
        try:
            h.send({"type": "fork", "worker_id": "w-1", "token": "t"})
            assert h.proc.wait(TIMEOUT) != 0
            assert h.proc.stderr is not None
            assert b"bad first control request" in h.proc.stderr.read()
        finally:
            h.close()
