"""Functions for tests and demos; callable only when a pool allow-lists ``taipan_worker.testing``."""

from __future__ import annotations

import asyncio
import builtins
import os
import struct
import sys
import time
from typing import Any, AsyncIterator, Dict, Iterator, List

from .registry import function
from .runtime import call_java, current_call


@function
def add(a: Any, b: Any) -> Any:
    return a + b


@function
def fail(message: str = "boom", exc_type: str = "ValueError") -> None:
    cls = getattr(builtins, exc_type, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseException)):
        raise ValueError(f"not a builtin exception type: {exc_type!r}")
    raise cls(message)


@function
def print_stdout(text: str) -> bool:
    print(text, flush=True)
    return True


@function
def write_fd1(text: str) -> bool:
    """Write straight to file descriptor 1, as a C library would."""
    data = text.encode("utf-8")
    while data:
        data = data[os.write(1, data):]
    return True


@function
def write_stderr(text: str) -> bool:
    print(text, file=sys.stderr, flush=True)
    return True


@function
def crash(code: int = 1) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


@function
def kill_self(sig: int = 9) -> None:
    os.kill(os.getpid(), sig)


@function
def block(seconds: float) -> float:
    """A plain function: runs on a worker thread and blocks it."""
    time.sleep(seconds)
    return seconds


@function
async def async_sleep(seconds: float) -> float:
    await asyncio.sleep(seconds)
    return seconds


@function
def big_result(nbytes: int) -> bytes:
    return b"x" * nbytes


@function
def unserializable() -> Any:
    return {1, 2, 3}


@function
def pid() -> int:
    return os.getpid()


@function
def env_has(name: str) -> bool:
    return name in os.environ


@function
def read_file(path: str) -> str:
    """Read a whole file; with a FIFO this blocks until a writer opens, writes and closes it."""
    with open(path, "r", encoding="utf-8") as f:
        return f.read()


@function
def garbage(nbytes: int = 64) -> None:
    """Write a frame whose body is not MessagePack (starts with the never-used byte 0xc1)."""
    from .runtime import raw_writer_for_testing

    nbytes = max(int(nbytes), 1)
    body = b"\xc1" + os.urandom(nbytes - 1)
    raw_writer_for_testing()(struct.pack(">I", len(body)) + body)


@function
def oversize_header() -> None:
    """Write a frame header declaring 0xFFFFFFF0 bytes."""
    from .runtime import raw_writer_for_testing

    raw_writer_for_testing()(struct.pack(">I", 0xFFFFFFF0))


@function(session=True)
def counter(session: Dict[str, Any], by: int = 1) -> int:
    session["n"] = session.get("n", 0) + by
    return session["n"]


@function(session=True)
def session_put(session: Dict[str, Any], key: str, value: Any) -> None:
    session[key] = value


@function(session=True)
def session_get(session: Dict[str, Any], key: str) -> Any:
    return session.get(key)


@function
async def slow_add(a: Any, b: Any, seconds: float) -> Any:
    await asyncio.sleep(seconds)
    return a + b


@function
def count_up(n: int) -> Iterator[int]:
    """Streams 0..n-1 from a worker thread (a generator)."""
    for i in range(n):
        yield i


@function
async def count_up_async(n: int, delay: float = 0.0) -> AsyncIterator[Dict[str, Any]]:
    """Streams n chunks from the event loop (an async generator)."""
    for i in range(n):
        if delay:
            await asyncio.sleep(delay)
        yield {"i": i, "text": f"piece {i}"}


@function
def stream_then_fail(n: int) -> Iterator[int]:
    for i in range(n):
        yield i
    raise ValueError(f"failed after {n} chunks")


@function
def ask_java(name: str, args: Any = None) -> Any:
    """Calls the Java callback ``name`` from a worker thread and returns its answer."""
    return call_java(name, args)


@function
async def ask_java_async(name: str, args: Any = None) -> Any:
    return await current_call().call_java_async(name, args)


@function
def ask_java_many(name: str, n: int) -> List[Any]:
    """Calls back ``n`` times from ``n`` threads at once: callbacks of one call interleave."""
    from concurrent.futures import ThreadPoolExecutor

    ctx = current_call()
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda i: ctx.call_java(name, i), range(n)))


@function
async def hog_loop(seconds: float) -> float:
    """Blocks the worker's event loop (as C code holding the GIL would): no heartbeat replies."""
    time.sleep(seconds)
    return seconds


@function
def leak_env(name: str) -> None:
    """Prints an environment variable's value to stderr, then raises with it (redaction tests)."""
    value = os.environ.get(name, "")
    print(f"the value is {value}", file=sys.stderr, flush=True)
    raise ValueError(f"leaked {value}")
