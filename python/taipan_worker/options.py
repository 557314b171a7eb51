"""Command-line options of a worker (``python -m taipan_worker``) and of the zygote
(``python -m taipan_worker.zygote``): the same pool settings, parsed in one place."""

from __future__ import annotations

import argparse
import os
import struct
import sys
from typing import Any, Dict, List, Optional, Tuple

import msgpack

#: The start frame and the zygote's ``env`` request carry a token and a few secrets; a bigger
#: length means the pipe carries something else.
MAX_PIPE_FRAME_BYTES = 1 << 20


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text}")
    return value


def _frame_limit(text: str) -> int:
    value = int(text)
    if not 1024 <= value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError(f"must be between 1024 and 4294967295: {text}")
    return value


def parse_args(argv: List[str], prog: str = "python -m taipan_worker", worker: bool = True) -> argparse.Namespace:
    """Parse ``argv``; exits with status 2 on bad arguments. ``worker=False`` (the zygote)
    takes no ``--worker-id``: each forked worker gets its id with the fork request."""
    description = "Taipan Python worker" if worker else "Taipan zygote: forks pre-warmed workers on request"
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--socket", required=True, help="Unix socket path of the pool")
    if worker:
        parser.add_argument("--worker-id", required=True, help="this worker's id")
    parser.add_argument("--slots", type=_positive_int, default=4, help="calls run at once (default 4)")
    parser.add_argument("--modules", default="", help="comma-separated allow-list of modules to import")
    parser.add_argument(
        "--max-frame-bytes", type=_frame_limit, default=67108864, help="maximum frame body size (default 64 MiB)"
    )
    parser.add_argument("--pool-name", default=None)
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    return parser.parse_args(argv)


def module_list(ns: argparse.Namespace) -> List[str]:
    return [m.strip() for m in ns.modules.split(",") if m.strip()]


def line_buffered_stdio() -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
        except Exception:
            pass


# ---------------------------------------------------------------- token and secrets, over a pipe
#
# Secrets and tokens never travel in the environment: /proc/PID/environ shows any process of
# the same user the environment a process was started with, for its whole life. The pool
# writes them to the process's stdin instead (see docs/PROTOCOL.md, "Transport"), and they
# are set in ``os.environ`` here. CPython's os.environ calls setenv(), which builds a new
# environment array and never writes into the original block /proc shows.


def read_pipe_frame(fd: int, limit: int = MAX_PIPE_FRAME_BYTES) -> Optional[Dict[str, Any]]:
    """Read exactly one frame (4-byte big-endian length, one MessagePack map) from ``fd``,
    never a byte past its end (more requests may follow on the same pipe). None at an end
    of stream before the frame; ValueError for anything else that is not a whole frame."""
    header = _read_exactly(fd, 4)
    if not header:
        return None
    if len(header) < 4:
        raise ValueError("the pipe ended inside a frame header")
    (length,) = struct.unpack(">I", header)
    if length == 0 or length > limit:
        raise ValueError(f"bad frame length {length}")
    body = _read_exactly(fd, length)
    if len(body) < length:
        raise ValueError("the pipe ended inside a frame")
    message = msgpack.unpackb(body, raw=False)
    if not isinstance(message, dict):
        raise ValueError("the frame is not a map")
    return message


def _read_exactly(fd: int, n: int) -> bytes:
    data = bytearray()
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def set_secrets(env: Any) -> None:
    """Set the pool's secret variables in ``os.environ`` (user code, DSPy and LiteLLM read them there)."""
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ValueError("'env' must map names to strings")
    for name, value in env.items():
        os.environ[name] = value


def log_level(message: Dict[str, Any]) -> Optional[int]:
    """The ``log_level`` of a start frame or an ``env`` request: the Python level from which
    logging records go to the host, or None (absent: an older pool, which wants none)."""
    level = message.get("log_level")
    if level is None:
        return None
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 100:
        raise ValueError(f"'log_level' must be a Python logging level from 0 to 100, got {level!r:.40}")
    return level


def read_start(worker_id: str) -> Tuple[str, Optional[int]]:
    """A spawned worker's first step: read the ``start`` frame the pool wrote to stdin, set its
    secrets, point stdin at /dev/null, and return the worker's token and the log level the
    pool asked for (or None). Exits with status 2 if there is no valid start frame (stdin is
    not the pool's pipe)."""
    try:
        message = read_pipe_frame(0)
        if message is None:
            raise ValueError("stdin ended before it")
        token = message.get("token")
        if message.get("type") != "start" or not isinstance(token, str) or not token:
            raise ValueError("it is not a 'start' frame with a token")
        set_secrets(message.get("env", {}))
        level = log_level(message)
    except (OSError, ValueError, msgpack.UnpackException) as exc:
        print(f"taipan-worker {worker_id}: no valid start frame (token and secrets) on stdin: {exc}; "
              "exiting with status 2", file=sys.stderr, flush=True)
        sys.exit(2)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return token, level
