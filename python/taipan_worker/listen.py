"""A worker in listen mode: it does not connect to the pool, the pool connects to it.

A worker a worker host forks (``taipan_worker.host``) inherits a listening TCP socket the host
bound for it. The pool connects to that port and must first prove that it is the pool the
worker was started for: its first frame is an ``auth`` (``worker_id``, ``token``) carrying the
worker's secret, which only the pool and the host know. Until then the worker trusts nothing:
the frame may be at most 4,096 bytes and must arrive within 5 s of the connect; a connection
that fails any check is closed (and logged, never with a token) and the worker waits for the
next one, until its accept deadline passes (then it exits with status 1). The first good
connection is the worker's only one: the listening socket is closed at once.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
import struct
import sys
import time
from typing import Any, Callable, Optional

import msgpack

#: The pool's auth frame is small; a bigger header is someone else.
MAX_AUTH_FRAME_BYTES = 4096
#: A connection that has not sent its auth this long after connecting (after its TLS
#: handshake, over TLS) is dropped.
AUTH_TIMEOUT_S = 5.0
#: A TLS handshake may take this long (a JVM's first one loads its TLS stack).
HANDSHAKE_TIMEOUT_S = 10.0


class AcceptTimeout(Exception):
    """No connection authenticated before the deadline."""


def _read_exactly(conn: socket.socket, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ValueError("the connection ended inside the auth frame")
        data += chunk
    return bytes(data)


def check_auth(conn: socket.socket, worker_id: str, token: str) -> Optional[str]:
    """Reads the first frame of ``conn`` and returns None if it is the right ``auth``, else why not."""
    (length,) = struct.unpack(">I", _read_exactly(conn, 4))
    if length == 0 or length > MAX_AUTH_FRAME_BYTES:
        return f"first frame of {length} bytes (at most {MAX_AUTH_FRAME_BYTES} before auth)"
    return auth_problem(_read_exactly(conn, length), worker_id, token)


class AuthGate(asyncio.Protocol):
    """The first protocol of a TLS connection in listen mode (asyncio runs the handshake): it
    reads the pool's ``auth`` frame and settles ``verdict`` (None: the right pool; else why
    not). Bytes after the frame are kept in ``rest`` for the protocol that takes over."""

    def __init__(self, worker_id: str, token: str) -> None:
        self.worker_id = worker_id
        self.token = token
        self.buffer = bytearray()
        self.rest = b""
        self.verdict: "asyncio.Future[Optional[str]]" = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        if self.verdict.done():
            self.rest += data
            return
        self.buffer += data
        if len(self.buffer) < 4:
            return
        (length,) = struct.unpack_from(">I", self.buffer)
        if length == 0 or length > MAX_AUTH_FRAME_BYTES:
            self.verdict.set_result(f"first frame of {length} bytes (at most {MAX_AUTH_FRAME_BYTES} before auth)")
        elif len(self.buffer) >= 4 + length:
            self.rest = bytes(self.buffer[4 + length:])
            self.verdict.set_result(auth_problem(bytes(self.buffer[4:4 + length]), self.worker_id, self.token))

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if not self.verdict.done():
            self.verdict.set_result("the connection ended before its auth")


def auth_problem(body: bytes, worker_id: str, token: str) -> Optional[str]:
    """None if ``body`` is the right ``auth`` message for this worker, else why not (never the token)."""
    try:
        message: Any = msgpack.unpackb(body, raw=False)
    except (ValueError, msgpack.UnpackException) as exc:
        return f"first frame is not MessagePack ({type(exc).__name__})"
    if not isinstance(message, dict) or message.get("type") != "auth":
        return "first frame is not an auth"
    given = message.get("token")
    if message.get("worker_id") != worker_id or not isinstance(given, str):
        return "auth for another worker"
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        return "wrong token"
    return None


def accept_pool(listener: socket.socket, worker_id: str, token: str, deadline: float,
                wrap: Optional[Callable[[socket.socket], socket.socket]] = None,
                log: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True)) -> socket.socket:
    """Waits on ``listener`` until a connection authenticates as the pool of ``worker_id``
    (``deadline`` on ``time.monotonic``), closes the listener and returns that connection,
    blocking. ``wrap`` (TLS) is applied to each accepted connection before its first frame."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            listener.close()
            raise AcceptTimeout("no pool connected and authenticated within the deadline")
        listener.settimeout(left)
        try:
            conn, peer = listener.accept()
        except socket.timeout:
            continue
        try:
            conn.settimeout(max(0.1, min(AUTH_TIMEOUT_S, deadline - time.monotonic())))
            if wrap is not None:
                conn = wrap(conn)
            why = check_auth(conn, worker_id, token)
        except (OSError, ValueError) as exc:
            why = f"{type(exc).__name__}: {exc}"
        if why is None:
            conn.settimeout(None)
            listener.close()
            return conn
        log(f"refused a connection from {peer[0]}:{peer[1]}: {why}")
        try:
            conn.close()
        except OSError:
            pass
