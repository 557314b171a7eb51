"""Functions for tests, demos and the chaos suite; callable only when a pool allow-lists
``taipan_testing.functions``.

Some of them break the worker on purpose (crash, segfault, garbage frames, a stuck event
loop); that is why they live outside the runtime's distribution, which users install.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import struct
import sys
import threading
import time
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List

from taipan_worker import runtime
from taipan_worker.context import call_java, current_call
from taipan_worker.registry import function


def _raw_writer() -> Callable[[bytes], None]:
    """A callable writing raw bytes to the active worker's host connection, on its loop thread.

    For the functions below that send garbage / oversize / hand-made frames. It reaches into
    the runtime's private state on purpose: the runtime has no business offering such a hook
    to user code. Bytes written from a call's thread go out before that call's own result.
    """
    worker = runtime._active
    if worker is None or worker.transport is None or worker.loop is None:
        raise RuntimeError("no active Taipan worker connection")
    loop = worker.loop
    writer = worker.transport

    def write(data: bytes) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            writer.write(bytes(data))
        else:
            loop.call_soon_threadsafe(writer.write, bytes(data))

    return write


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


@function(idempotent=True)
def block_idempotent(seconds: float) -> float:
    """Like ``block``, declared idempotent: the pool re-runs it if its worker dies."""
    time.sleep(seconds)
    return seconds


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
def env_get(name: str) -> "str | None":
    return os.environ.get(name)


@function
def read_file(path: str) -> str:
    """Read a whole file; with a FIFO this blocks until a writer opens, writes and closes it."""
    with open(path, "r", encoding="utf-8") as f:
        return f.read()


@function
def garbage(nbytes: int = 64) -> None:
    """Write a frame whose body is not MessagePack (starts with the never-used byte 0xc1)."""
    nbytes = max(int(nbytes), 1)
    body = b"\xc1" + os.urandom(nbytes - 1)
    _raw_writer()(struct.pack(">I", len(body)) + body)


@function
def oversize_header() -> None:
    """Write a frame header declaring 0xFFFFFFF0 bytes."""
    _raw_writer()(struct.pack(">I", 0xFFFFFFF0))


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


@function(session=True)
def counter_then_block(session: Dict[str, Any], seconds: float) -> int:
    """Increments the session's counter, then blocks (a call in flight when its worker dies)."""
    session["n"] = session.get("n", 0) + 1
    time.sleep(seconds)
    return session["n"]


@function(session=True)
def session_put_unserializable(session: Dict[str, Any], key: str, kind: str = "set") -> None:
    """Puts a value no session snapshot can hold (snapshot tests)."""
    if kind == "set":
        value: Any = {1, 2}
    elif kind == "nested_tuple":
        value = {"items": [1, (2, 3)]}
    elif kind == "int_key":
        value = {7: "seven"}
    elif kind == "huge_int":
        value = 2**70
    elif kind == "cycle":
        value = []
        value.append(value)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    session[key] = value


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


# ---------------------------------------------------------------- chaos suite (taipan chaos)


@function
def segfault() -> None:
    """Dereference address 0 from C (ctypes): the process dies with SIGSEGV."""
    import ctypes

    sys.stdout.flush()
    sys.stderr.flush()
    ctypes.string_at(0)


@function
def oom_kill(mb: int = 256) -> None:
    """Simulate the kernel's OOM killer: touch ``mb`` MiB, then die by SIGKILL, as the
    OOM killer kills (no cgroup memory limit is available to trigger the real one)."""
    import signal

    chunk = 8 * 1024 * 1024
    hog = []
    for _ in range(max(int(mb) * 1024 * 1024 // chunk, 1)):
        hog.append(b"\x01" * chunk)  # written, so resident
        time.sleep(0)  # let the event loop answer heartbeats between chunks
    os.kill(os.getpid(), signal.SIGKILL)


@function
def memory_error(mb: int = 512) -> int:
    """Allocate past a temporary ``RLIMIT_AS``: Python raises ``MemoryError`` (the worker lives).

    The limit is the process's current address space plus ``mb // 2`` MiB; ``mb`` MiB are then
    requested, and the old limit is restored whatever happens.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        vm_bytes = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = vm_bytes + (int(mb) // 2) * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        hog = bytearray(int(mb) * 1024 * 1024)
        return len(hog)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@function
def spin(seconds: float) -> int:
    """A pure-Python busy loop on a call thread. Past the call's deadline the host gets a
    timeout, but the thread keeps spinning until ``seconds`` are up (threads cannot be killed)."""
    end = time.monotonic() + float(seconds)
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


@function
def close_socket() -> None:
    """Close the worker's connection to the host from a call thread (the call never answers).

    The runtime treats its own closed connection like the host hanging up: it exits (status 0).
    """
    worker = runtime._active
    if worker is None or worker.transport is None or worker.loop is None:
        raise RuntimeError("no active Taipan worker connection")
    worker.loop.call_soon_threadsafe(worker.transport.abort)
    time.sleep(30)


# ---------------------------------------------------------------- value domain (docs/PROTOCOL.md, "Values")


@function
def nested(depth: int) -> Any:
    """A list nested ``depth`` levels deep around 0 (``nested(2) == [[0]]``)."""
    value: Any = 0
    for _ in range(int(depth)):
        value = [value]
    return value


@function
def map_with_key(kind: str) -> Any:
    """A map whose only key is of ``kind`` (bool, float, none, bytes, tuple): outside the value domain."""
    return {_ODD_KEYS[kind]: "x"}


_ODD_KEYS: Dict[str, Any] = {"bool": True, "float": 1.5, "none": None, "bytes": b"k", "tuple": (1, 2)}


@function
def ask_java_with_key(name: str, kind: str) -> Any:
    """Calls the Java callback ``name`` with a map whose key is of ``kind`` (see map_with_key)."""
    return call_java(name, {_ODD_KEYS[kind]: "x"})


#: Result values no conforming encoder writes, as raw MessagePack: each must fail only its own call.
_RAW_VALUES = {
    "bad_utf8": b"\xa2\xff\xfe",
    "lone_surrogate": b"\xa3\xed\xa0\x80",
    "list_key": b"\x81\x91\x01\xa1x",
    "map_key": b"\x81\x81\xa1a\x01\xa1x",
    "bool_key": b"\x81\xc3\xa1x",
    "nil_key": b"\x81\xc0\xa1x",
    "float_key": b"\x81\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xa1x",
    "bin_key": b"\x81\xc4\x01k\xa1x",
    "duplicate_key": b"\x82\xa1a\x01\xa1a\x02",
    "too_deep": b"\x91" * 257 + b"\xc0",
    "ext": b"\xd4\x05\x00",
}


@function
def raw_result(kind: str, field: str = "value") -> str:
    """Write, for this very call, a ``result`` (or a ``chunk``: ``field="data"``, or a
    ``callback``: ``field="args"``) frame whose value is ``_RAW_VALUES[kind]``, then return
    normally (the host ignores a second answer)."""
    cid = current_call().call_id
    mtype = {"value": b"\xa6result", "data": b"\xa5chunk", "args": b"\xa8callback"}[field]
    body = b"\xa1v\x01\xa4type" + mtype + b"\xa2id" + _pack_int(cid)
    if field == "value":
        body = b"\x84" + body + b"\xa5value" + _RAW_VALUES[kind]
    elif field == "data":
        body = b"\x85" + body + b"\xa3seq\x00\xa4data" + _RAW_VALUES[kind]
    else:  # a callback to the Java function "tool" (callback id 1000, never awaited)
        body = b"\x86" + body + b"\xabcallback_id\xcd\x03\xe8\xa4name\xa4tool\xa4args" + _RAW_VALUES[kind]
    _raw_writer()(struct.pack(">I", len(body)) + body)
    return kind


def _pack_int(n: int) -> bytes:
    import msgpack

    return msgpack.packb(n)


@function
def lone_surrogate() -> List[str]:
    """A result with a lone surrogate in a string: outside the value domain."""
    return ["ok", "a\ud800"]


# Streams whose progress a test can watch from another call: how far a generator ran ahead
# of its consumer shows whether the host's chunk window holds it back.
_produced: Dict[str, int] = {}
_produced_changed = threading.Condition()


def _count_produced(key: str) -> None:
    with _produced_changed:
        _produced[key] = _produced.get(key, 0) + 1
        _produced_changed.notify_all()


@function
def stream_tracked(key: str, n: int, size: int = 0) -> Iterator[Any]:
    """Streams 0..n-1 from a worker thread (or ``size``-byte chunks), counting each item it
    has produced under ``key`` (see :func:`produced`)."""
    for i in range(n):
        _count_produced(key)
        yield bytes(size) if size else i


@function
async def stream_tracked_async(key: str, n: int, size: int = 0) -> AsyncIterator[Any]:
    """:func:`stream_tracked` as an async generator, on the event loop."""
    for i in range(n):
        _count_produced(key)
        yield bytes(size) if size else i
        await asyncio.sleep(0)


@function
def produced(key: str, at_least: int = 0, wait: float = 0.0) -> int:
    """How many items the stream ``key`` has produced, once that is ``at_least`` or after
    ``wait`` seconds, whichever comes first."""
    with _produced_changed:
        _produced_changed.wait_for(lambda: _produced.get(key, 0) >= at_least, timeout=float(wait))
        return _produced.get(key, 0)


# ---------------------------------------------------------------- processes that user code starts


def _sleep_then_exit(seconds: float) -> None:
    """The body of a forked child: no Python cleanup (it shares the worker's state)."""
    try:
        time.sleep(float(seconds))
    finally:
        os._exit(0)


@function
def fork_sleeper(seconds: float = 60.0) -> int:
    """``os.fork()`` a child that sleeps for ``seconds``; returns its pid."""
    child = os.fork()
    if child == 0:
        _sleep_then_exit(seconds)
    return child


@function
def double_fork_setsid(seconds: float = 60.0) -> int:
    """The classic daemon: fork, ``setsid``, fork again, the middle process exits; the
    grandchild (in a session of its own, re-parented away from the worker) sleeps for
    ``seconds``. Returns the grandchild's pid."""
    r, w = os.pipe()
    middle = os.fork()
    if middle == 0:
        try:
            os.close(r)
            os.setsid()
            grandchild = os.fork()
            if grandchild == 0:
                os.close(w)
                _sleep_then_exit(seconds)
            os.write(w, struct.pack(">q", grandchild))
        finally:
            os._exit(0)
    os.close(w)
    try:
        data = b""
        while len(data) < 8:
            piece = os.read(r, 8 - len(data))
            if not piece:
                raise RuntimeError("the middle process ended without reporting its child")
            data += piece
    finally:
        os.close(r)
        os.waitpid(middle, 0)
    return struct.unpack(">q", data)[0]


@function
def popen_new_session(seconds: float = 60.0) -> int:
    """``subprocess.Popen(..., start_new_session=True)`` of a Python that sleeps; returns its pid."""
    import subprocess

    child = subprocess.Popen(
        [sys.executable, "-c", f"import time; time.sleep({float(seconds)!r})"],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return child.pid


# ---------------------------------------------------------------- output floods


@function
def print_huge_line(nbytes: int, piece: int = 1 << 20) -> int:
    """Write one line of ``nbytes`` 'x' to fd 1, ``piece`` bytes at a time (never held whole
    here either), then its newline. Returns the bytes written."""
    block = b"x" * min(int(piece), int(nbytes))
    left = int(nbytes)
    while left > 0:
        data = memoryview(block)[:min(left, len(block))]
        while data:
            data = data[os.write(1, data):]
        left -= len(block) if left >= len(block) else left
    os.write(1, b"\n")
    return int(nbytes)


@function
def flood(lines: int) -> int:
    """Print ``lines`` short lines to stdout as fast as possible."""
    out = sys.stdout
    for i in range(int(lines)):
        out.write(f"flood line {i}\n")
    out.flush()
    return int(lines)


# ---------------------------------------------------------------- logging (taipan_worker.logs)

import logging  # noqa: E402
import warnings  # noqa: E402

_log = logging.getLogger("taipan_testing.logs")
# Logged while the module imports, outside any call (spawned workers send it before hello).
_log.debug("taipan_testing.functions imported")


def _log_each_level(logger: logging.Logger, tag: str) -> None:
    logger.log(5, "trace %s", tag)
    logger.debug("debug %s", tag)
    logger.info("info %s %d", tag, 20)
    logger.warning("warning %s", tag)
    logger.error("error %s", tag)
    logger.critical("critical %s", tag)
    try:
        raise ValueError(f"boom {tag}")
    except ValueError:
        logger.exception("failed %s", tag)


@function
def log_levels(tag: str) -> str:
    """Log at every level, and an exception, from the call's thread; returns the thread's name."""
    _log_each_level(_log, tag)
    return threading.current_thread().name


@function
async def log_levels_async(tag: str) -> str:
    """The same from an ``async def``, on the event loop's thread."""
    _log_each_level(logging.getLogger("taipan_testing.logs.async"), tag)
    return threading.current_thread().name


@function
def log_from_background_thread(tag: str) -> str:
    """Log from a thread of the function's own, outside the call's context (no call id)."""
    thread = threading.Thread(target=lambda: _log.warning("background %s", tag), name="taipan-testing-bg")
    thread.start()
    thread.join()
    return thread.name


@function
def log_flood(records: int) -> int:
    """Log ``records`` INFO records as fast as possible."""
    for i in range(int(records)):
        _log.info("flood record %d", i)
    return int(records)


@function
def log_huge(chars: int) -> int:
    """Log one record whose message is ``chars`` characters long."""
    _log.warning("huge " + "x" * int(chars))
    return int(chars)


@function
def log_root_and_secret(name: str) -> None:
    """Log through the root logger a message holding the value of environment variable ``name``."""
    logging.warning("the secret is %s", os.environ.get(name, ""))


@function
def warn(text: str) -> None:
    """``warnings.warn`` (shown each time, whatever the filters)."""
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(text, UserWarning)


@function
async def log_then_exit(tag: str) -> None:
    """Log an error, then end the process at once (status 1) without answering."""
    _log.error("last words %s", tag)
    os._exit(1)


@function
def address_space_limit() -> int:
    """This process's soft ``RLIMIT_AS`` in bytes (-1: none), to check what a worker host set."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return -1 if soft == resource.RLIM_INFINITY else soft
