"""Benchmark floor: ``python -m taipan_testing.floor --socket PATH``.

A minimal blocking, single-threaded loop with the Taipan framing: connect to PATH, then for
every frame reply ``{"v": 1, "type": "result", "id": <id>, "value": <the call's args>}``
until EOF. No auth, no hello, no asyncio, no threads.
"""

from __future__ import annotations

import argparse
import socket
import struct
import sys
from typing import List, Optional

import msgpack

_HEADER = struct.Struct(">I")


def _recv_exactly(sock: socket.socket, n: int) -> Optional[bytes]:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        r = sock.recv_into(view[got:], n - got)
        if r == 0:
            return None
        got += r
    return bytes(buf)


def serve(path: str) -> int:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    pack = msgpack.Packer(use_bin_type=True).pack
    try:
        while True:
            header = _recv_exactly(sock, 4)
            if header is None:
                return 0
            (length,) = _HEADER.unpack(header)
            body = _recv_exactly(sock, length) if length else b""
            if body is None:
                return 0
            msg = msgpack.unpackb(body, raw=False, strict_map_key=False)
            out = pack({"v": 1, "type": "result", "id": msg.get("id"), "value": msg.get("args")})
            sock.sendall(_HEADER.pack(len(out)) + out)
    except (ConnectionError, BrokenPipeError):
        return 0
    finally:
        sock.close()


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m taipan_testing.floor")
    parser.add_argument("--socket", required=True)
    ns = parser.parse_args(argv)
    sys.exit(serve(ns.socket))


if __name__ == "__main__":
    main()
