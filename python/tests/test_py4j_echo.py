"""The Py4J benchmark peer (taipan_testing.py4j_echo): its object, and its process's lifecycle.

The Java side (dev.taipan.bench.PeersTest) checks real Py4J calls through it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from conftest import TIMEOUT
from taipan_testing.py4j_echo import JAVA_INTERFACE, TOKEN_ENV, Echo


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_echo_returns_its_argument_and_implements_the_java_interface() -> None:
    echo = Echo()
    for value in (1, "héllo", b"\x00\xff" * 10, None, 2.5):
        assert echo.echo(value) == value
    assert Echo.Java.implements == [JAVA_INTERFACE] == ["dev.taipan.bench.Py4jEcho"]


@pytest.mark.process
def test_peer_listens_once_ready_and_exits_at_stdin_eof() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "taipan_testing.py4j_echo", "--java-port", str(_free_port()), "--python-port", str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, TOKEN_ENV: "secret-token"})
    try:
        assert proc.stdout is not None and proc.stdin is not None
        assert proc.stdout.readline() == b"ready\n"
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
            pass  # the Py4J Python server accepts connections
        proc.stdin.close()
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

