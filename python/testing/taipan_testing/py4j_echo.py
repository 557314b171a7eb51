"""Benchmark peer: a Python object that Java calls through Py4J (``taipan bench overhead/payload``).

``python -m taipan_testing.py4j_echo --java-port J --python-port P`` starts a Py4J
``ClientServer`` (pinned-thread mode: every Java thread gets its own connection and Python
thread) whose *Python server entry point* is an :class:`Echo` implementing the Java interface
``dev.taipan.bench.Py4jEcho``. Java obtains a proxy with
``ClientServer.getPythonServerEntryPoint(new Class[]{Py4jEcho.class})`` and calls
``echo(value)``, which returns the value unchanged (a ``byte[]`` arrives as ``bytes`` and goes
back as ``bytes``; Py4J carries it base64-encoded in its text protocol).

The shared secret is read from ``$TAIPAN_PY4J_AUTH_TOKEN`` (both directions authenticate with
it). ``ready`` is printed on stdout once the Python server listens; the process shuts Py4J down
and exits when its stdin reaches EOF, so it never outlives the Java side that started it.
Needs Py4J: the ``bench`` extra of this distribution (``pip install -e 'python/testing[bench]'``).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any, List, Optional

TOKEN_ENV = "TAIPAN_PY4J_AUTH_TOKEN"
JAVA_INTERFACE = "dev.taipan.bench.Py4jEcho"


class Echo:
    """The object Java calls: ``echo(value)`` returns ``value``."""

    def echo(self, value: Any) -> Any:
        return value

    class Java:
        implements = [JAVA_INTERFACE]


def serve(java_port: int, python_port: int, token: Optional[str], start_timeout: float = 30.0) -> int:
    from py4j.clientserver import ClientServer, JavaParameters, PythonParameters
    from py4j.java_gateway import server_started

    # Py4J binds the Python server's socket at once but listens only in its own thread, and says
    # so with the ``server_started`` signal: "ready" must wait for it.
    listening = threading.Event()

    def on_started(**_: Any) -> None:
        listening.set()

    server_started.connect(on_started)
    server = ClientServer(
        java_parameters=JavaParameters(address="127.0.0.1", port=java_port, auth_token=token),
        python_parameters=PythonParameters(address="127.0.0.1", port=python_port, auth_token=token,
                                           daemonize=True, daemonize_connections=True),
        python_server_entry_point=Echo(),
    )
    try:
        if not listening.wait(start_timeout):
            sys.stderr.write("the Py4J Python server did not start listening within %.0f s\n" % start_timeout)
            return 1
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        # Block until the Java side closes our stdin (or dies).
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        server.shutdown()
    return 0


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m taipan_testing.py4j_echo")
    parser.add_argument("--java-port", type=int, required=True, help="port of the Java side's Py4J server")
    parser.add_argument("--python-port", type=int, required=True, help="port this process listens on")
    ns = parser.parse_args(argv)
    sys.exit(serve(ns.java_port, ns.python_port, os.environ.get(TOKEN_ENV) or None))


if __name__ == "__main__":
    main()
