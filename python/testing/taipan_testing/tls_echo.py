"""A TLS (or plain TCP) frame peer for tests and benchmarks: ``python -m taipan_testing.tls_echo``.

    --listen HOST   listen on HOST, a free port; prints ``PORT <n>`` on stdout once listening
    --cert/--key/--ca  the PEM files of ``taipan_worker.tls.server_context`` (TLS 1.3, a client
                    certificate required); without them (``--plain``) frames travel in clear
    --client-name   accept only a client whose certificate names it

Serves any number of connections, one after the other or at once, until stdin closes. Every
frame that arrives is answered: a ``call`` with ``{"type": "result", "id": <id>, "value":
<its args>}`` (what the benchmark floor answers), any other frame with itself, byte for byte.
Each refused handshake is one line on stderr (``refused <peer>: <why>``) and the server goes on.
"""

from __future__ import annotations

import argparse
import asyncio
import struct
import sys
from typing import List, Optional

import msgpack

from taipan_worker.tls import TlsError, check_peer_name, describe_failure, server_context

_HEADER = struct.Struct(">I")


class _Echo(asyncio.Protocol):
    """Answers each whole frame as it arrives; the answers to one chunk leave in one write."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.buf = bytearray()
        self.pack = msgpack.Packer(use_bin_type=True).pack
        self.transport: Optional[asyncio.Transport] = None
        self.early: List[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        print(f"accepted {self.shown}", file=sys.stderr, flush=True)
        if self.early:
            # Answers to frames that came with the handshake's end, before start_tls returned.
            self.transport.write(b"".join(self.early))  # type: ignore[union-attr]
            self.early.clear()

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        out: List[bytes] = []
        at = 0
        while len(buf) - at >= 4:
            (length,) = _HEADER.unpack_from(buf, at)
            if len(buf) - at - 4 < length:
                break
            frame = bytes(buf[at:at + 4 + length])
            at += 4 + length
            msg = msgpack.unpackb(frame[4:], raw=False, strict_map_key=False)
            if isinstance(msg, dict) and msg.get("type") == "call":
                body = self.pack({"v": 1, "type": "result", "id": msg.get("id"), "value": msg.get("args")})
                out.append(_HEADER.pack(len(body)) + body)
            else:
                out.append(frame)
        del buf[:at]
        if out:
            if self.transport is None:
                self.early.extend(out)
            else:
                self.transport.write(b"".join(out))


class _Pending(asyncio.Protocol):
    """A new connection: its TLS handshake first (reading paused until TLS takes the socket over,
    so no byte of the ClientHello is read in clear), then an ``_Echo``."""

    def __init__(self, ns: argparse.Namespace) -> None:
        self.ns = ns

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        shown = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        echo = _Echo(shown)
        if self.ns.ctx is None:
            transport.set_protocol(echo)
            echo.connection_made(transport)
            return
        transport.pause_reading()  # type: ignore[attr-defined]
        asyncio.get_running_loop().create_task(self._upgrade(transport, echo, shown))

    async def _upgrade(self, transport: asyncio.BaseTransport, echo: _Echo, shown: str) -> None:
        ns = self.ns
        loop = asyncio.get_running_loop()
        try:
            tls = await loop.start_tls(transport, echo, ns.ctx, server_side=True,  # type: ignore[arg-type]
                                       ssl_handshake_timeout=ns.handshake_timeout)
            if tls is None:
                raise ConnectionError("closed during the handshake")
            # start_tls does not call the protocol's connection_made: the handshake is over, so now.
            if ns.client_name:
                try:
                    check_peer_name(tls.get_extra_info("ssl_object"), ns.client_name)
                except TlsError:
                    tls.abort()
                    raise
            echo.connection_made(tls)
        except (OSError, EOFError, TlsError, asyncio.TimeoutError) as exc:
            timed_out = isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or "timed out" in str(exc)
            why = "handshake timed out" if timed_out else (
                f"certificate does not name the peer: {exc}" if isinstance(exc, TlsError) else describe_failure(exc))
            print(f"refused {shown}: {why}", file=sys.stderr, flush=True)
            transport.abort()  # type: ignore[attr-defined]


async def _main(ns: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Pending(ns), ns.listen, 0)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    # Until stdin closes: the parent's end of the pipe going away ends this peer.
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    server.close()
    return 0


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m taipan_testing.tls_echo")
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca")
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--client-name")
    parser.add_argument("--handshake-timeout", type=float, default=10.0)
    ns = parser.parse_args(argv)
    if ns.plain:
        ns.ctx = None
    else:
        if not (ns.cert and ns.key and ns.ca):
            parser.error("--cert, --key and --ca are required without --plain")
        ns.ctx = server_context(ns.cert, ns.key, ns.ca)
    sys.exit(asyncio.run(_main(ns)))


if __name__ == "__main__":
    main()
