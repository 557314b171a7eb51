"""The benchmark floor: echoes each call's args back as a result."""

from __future__ import annotations

import subprocess
import sys

from conftest import TIMEOUT, FakeHost
from taipan_worker.protocol import encode_frame, read_frame


def test_floor_echoes_args(host: FakeHost) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "taipan_testing.floor", "--socket", host.path],
                            stdin=subprocess.DEVNULL)
    try:
        host.sock.settimeout(TIMEOUT)
        conn, _ = host.sock.accept()
        conn.settimeout(TIMEOUT)
        rfile = conn.makefile("rb")
        for i, args in enumerate([[1, "a", 2.5], {"k": b"\x00"}, None, [b"x" * 300_000]], start=1):
            conn.sendall(encode_frame({"v": 1, "type": "call", "id": i, "function": "f", "args": args,
                                       "session": None, "timeout_ms": None}))
            assert read_frame(rfile) == {"v": 1, "type": "result", "id": i, "value": args}
        rfile.close()
        conn.close()
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
