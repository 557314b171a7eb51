"""The worker: one asyncio event loop speaking the Taipan protocol over a Unix socket.

The loop is uvloop's when uvloop is installed, else asyncio's own (``TAIPAN_EVENT_LOOP``,
see :func:`event_loop_factory`). All socket writes happen on the loop thread, whole frames
only, so frames are never interleaved; the frames produced while ``data_received`` handles
one chunk leave together in one ``transport.write``. Frames are read by an
``asyncio.Protocol`` whose ``data_received`` parses every whole frame in the chunk
(``protocol.FrameParser``) and dispatches it at once. Plain functions run on a
``ThreadPoolExecutor`` with ``slots`` threads; their results (already encoded in the thread)
come back to the loop. ``async def`` functions run as tasks on the loop. The built-ins
``ping``, ``info`` and ``echo`` are plain functions run inline, on the loop, and answered in
the same pass; ``sleep`` is started eagerly: its coroutine's first step runs inside
``data_received`` (a task is made only if it suspends). A call's deadline timer is armed
only when the call did not finish at once.

Exit statuses: 0 normal (EOF, drained after SIGTERM), 1 could not connect,
2 import failure or bad arguments, 3 protocol error from the host.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import inspect
import os
import platform
import signal
import sys
import threading
import time
import traceback
import types
from collections import deque
from concurrent.futures import Future as ConcurrentFuture
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Generator, List, Optional, Tuple, Union

from . import __version__
from .protocol import (
    DEFAULT_MAX_FRAME_BYTES,
    FrameParser,
    BadValue,
    FrameTooLarge,
    ProtocolError,
    encode_frame,
    encode_ordered_frame,
    encode_result_frame,
    error_type_name,
    new_packer,
)
from .registry import FunctionSpec, exposed, make_spec
from .snapshots import AFTER_EACH_CALL, MODES, RESTORE_HEADROOM, SNAPSHOT_FUNCTION, find_problem, snapshot_problem

try:  # imported here so that a zygote, which imports this module, forks workers that have it
    import uvloop as _uvloop  # type: ignore[import-not-found]  # noqa: F401
except ImportError:  # optional: event_loop_factory falls back to asyncio's own loop
    pass

#: ``auto`` (default: uvloop if installed), ``uvloop`` or ``asyncio``; see event_loop_factory.
EVENT_LOOP_ENV = "TAIPAN_EVENT_LOOP"
CAPABILITIES = ["cancel", "sessions", "heartbeat", "stream", "callback", "snapshots", "chunk_ack"]
#: A plain call's thread still running this long after its call ended counts as overrun.
OVERRUN_GRACE_S = 2.0

EXIT_OK = 0
EXIT_CONNECT = 1
EXIT_IMPORT = 2
EXIT_PROTOCOL = 3

_MAX_ERROR_TEXT = 64 * 1024
#: The loop thread's reusable packer is replaced after a body this big (it keeps its buffer).
_PACKER_KEEP_BYTES = 1024 * 1024

_active: Optional["Worker"] = None


def raw_writer_for_testing() -> Callable[[bytes], None]:
    """Return a callable writing raw bytes to the host connection, on the loop thread.

    Only for ``taipan_worker.testing`` (garbage / oversize frames). Bytes written from a
    call's thread go out before that call's own result.
    """
    worker = _active
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


@dataclass
class Config:
    socket: str
    worker_id: str
    slots: int = 4
    modules: List[str] = field(default_factory=list)
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    pool_name: Optional[str] = None
    run_id: Optional[str] = None


class _Call:
    """A call in flight. ``task`` is the asyncio task of a suspended async call or the
    executor future of a plain one (``None`` while an eager call runs its first step)."""

    __slots__ = ("id", "function", "task", "timer", "stopped", "callbacks", "next_callback", "snapshot",
                 "credit")

    def __init__(self, cid: int, function: str) -> None:
        self.id = cid
        self.function = function
        self.task: Optional[Union["asyncio.Task[None]", "ConcurrentFuture[bytes]"]] = None
        self.timer: Optional[asyncio.TimerHandle] = None
        #: Set on the loop when the call ended (answered, cancelled, past its deadline); a
        #: streaming generator on a thread checks it between items.
        self.stopped = False
        #: Callbacks to Java waiting for their ``callback_result``, by callback id.
        self.callbacks: Optional[Dict[int, Any]] = None
        self.next_callback = 0
        #: The session whose snapshot goes out (as ``session_state``) just before this call's end.
        self.snapshot: Optional[str] = None
        #: A streaming call's send window, when the host asked for one (``chunk_window``).
        self.credit: Optional[_Credit] = None


class _Credit:
    """How far a stream may run ahead of its consumer: the host's ``chunk_ack``s free the
    window. A chunk is sent while fewer than ``chunks`` sent chunks are unacknowledged and
    their bytes plus its own stay within ``max_bytes``; one chunk may always be in flight,
    so a chunk bigger than the whole byte window still goes (alone). A sync generator's
    thread waits on the condition, an async generator on a future; acks and the call's end
    arrive on the loop and wake them."""

    __slots__ = ("chunks", "max_bytes", "_sizes", "_first", "_bytes", "_closed", "_cond", "_waiter")

    def __init__(self, chunks: int, max_bytes: Optional[int]) -> None:
        self.chunks = chunks
        self.max_bytes = max_bytes if max_bytes is not None else 1 << 62
        self._sizes: "deque[int]" = deque()  # sizes of sent, unacknowledged chunks, oldest first
        self._first = 0  # seq of the oldest unacknowledged chunk
        self._bytes = 0
        self._closed = False
        self._cond = threading.Condition()
        self._waiter: Optional["asyncio.Future[None]"] = None

    def _fits(self, size: int) -> bool:
        sizes = self._sizes
        return not sizes or (len(sizes) < self.chunks and self._bytes + size <= self.max_bytes)

    def _take(self, size: int) -> None:
        self._sizes.append(size)
        self._bytes += size

    def take_blocking(self, size: int) -> bool:
        """On a generator's thread: wait for room for a chunk of ``size`` bytes and claim it;
        False if the call ended meanwhile (cancel, deadline: ``close``)."""
        with self._cond:
            while not self._closed and not self._fits(size):
                self._cond.wait()
            if self._closed:
                return False
            self._take(size)
            return True

    async def take(self, size: int) -> bool:
        """On the loop: ``take_blocking`` for an async generator."""
        while True:
            with self._cond:
                if self._closed:
                    return False
                if self._fits(size):
                    self._take(size)
                    return True
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            await waiter

    def ack(self, seq: int) -> None:
        """On the loop: the host consumed every chunk up to ``seq``."""
        with self._cond:
            sizes = self._sizes
            while sizes and self._first <= seq:
                self._bytes -= sizes.popleft()
                self._first += 1
            self._cond.notify_all()
        self._wake()

    def close(self) -> None:
        """On the loop: the call ended; a waiting generator stops."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)


class CallbackError(Exception):
    """A Java callback failed, is unknown, or the call ended before it answered."""


class _UnsendableChunk(Exception):
    """A yielded value cannot be sent; ``frame`` is the error that ends the call."""

    def __init__(self, frame: bytes) -> None:
        super().__init__("unsendable chunk")
        self.frame = frame


class CallContext:
    """The call a function is running in; lets it call Java functions the host registered
    for this call (``CallOptions.withCallback`` in Java). Get it with :func:`current_call`
    on the thread or task that runs the call; the handle itself may be used from any thread.
    """

    __slots__ = ("_worker", "_call")

    def __init__(self, worker: "Worker", call: _Call) -> None:
        self._worker = worker
        self._call = call

    @property
    def call_id(self) -> int:
        return self._call.id

    def _send(self, name: str, args: Any, future: Any) -> None:
        """On the loop: register ``future`` and send the ``callback`` frame."""
        worker, call = self._worker, self._call
        if worker.inflight.get(call.id) is not call:
            future.set_exception(CallbackError(f"cannot call Java {name!r}: the call already ended"))
            return
        call.next_callback += 1
        cbid = call.next_callback
        try:
            frame = encode_frame(
                {"v": 1, "type": "callback", "id": call.id, "callback_id": cbid, "name": name, "args": args},
                worker.config.max_frame_bytes,
            )
        except FrameTooLarge as exc:
            future.set_exception(CallbackError(f"the arguments of Java callback {name!r} are too large: {exc}"))
            return
        except Exception as exc:  # TypeError, OverflowError from msgpack
            future.set_exception(CallbackError(f"the arguments of Java callback {name!r} cannot be sent: {exc}"))
            return
        if call.callbacks is None:
            call.callbacks = {}
        call.callbacks[cbid] = future
        worker._write(frame)

    def call_java(self, name: str, args: Any = None, timeout: Optional[float] = None) -> Any:
        """Call the Java function ``name`` and wait for its result (from a thread, not the loop)."""
        worker = self._worker
        loop = worker.loop
        assert loop is not None
        if worker.loop_thread == threading.get_ident():
            raise RuntimeError("call_java blocks; on the event loop use 'await call_java_async(...)'")
        future: "ConcurrentFuture[Any]" = ConcurrentFuture()
        loop.call_soon_threadsafe(self._send, name, args, future)
        return future.result(timeout)

    async def call_java_async(self, name: str, args: Any = None) -> Any:
        """Call the Java function ``name`` from async code running on the worker's loop."""
        loop = self._worker.loop
        assert loop is not None
        future = loop.create_future()
        self._send(name, args, future)
        return await future


_thread_call = threading.local()
_task_call: "contextvars.ContextVar[Optional[CallContext]]" = contextvars.ContextVar("taipan_call", default=None)


def current_call() -> CallContext:
    """The call running on this thread (plain functions) or task (async functions)."""
    ctx = _task_call.get() or getattr(_thread_call, "ctx", None)
    if ctx is None:
        raise RuntimeError("not inside a Taipan call")
    return ctx


def call_java(name: str, args: Any = None, timeout: Optional[float] = None) -> Any:
    """``current_call().call_java(name, args)``: run a Java callback registered for this call."""
    return current_call().call_java(name, args, timeout)


@types.coroutine
def _resume(coro: Any, yielded: Any) -> Generator[Any, Any, Any]:
    """Continue, inside a task, a coroutine whose first step already ran and yielded ``yielded``.

    Passes every later send/throw to ``coro`` (what ``await`` does), so the task waits on
    the futures ``coro`` waits on, and cancelling the task cancels ``coro`` for real.
    """
    while True:
        try:
            sent = yield yielded
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # noqa: BLE001 - CancelledError and anything thrown in
            try:
                yielded = coro.throw(exc)
            except StopIteration as stop:
                return stop.value
        else:
            try:
                yielded = coro.send(sent)
            except StopIteration as stop:
                return stop.value


class _HostProtocol(asyncio.Protocol):
    """The connection to the host: frames in via ``FrameParser``, whole frames out."""

    def __init__(self, worker: "Worker") -> None:
        self.worker = worker
        self.parser = FrameParser(worker._dispatch, worker.config.max_frame_bytes, worker._on_bad_value)
        self.feed = self.parser.feed
        self.transport: Optional[asyncio.Transport] = None
        self.writing_paused = False
        self.drain_waiter: Optional["asyncio.Future[None]"] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        worker = self.worker
        # Frames written while this chunk is handled (the built-ins answer at once) go out
        # together, in one transport.write, after it.
        worker._batch = batch = []
        try:
            self.feed(data)
        except BaseException as exc:  # noqa: BLE001
            # The answers to the frames before the bad one still go out, then the worker exits.
            self._write_batch(batch)
            if isinstance(exc, ProtocolError):
                worker._protocol_error(exc)
            else:
                worker._internal_error()
        else:
            self._write_batch(batch)

    def _write_batch(self, batch: List[bytes]) -> None:
        self.worker._batch = None
        if batch:
            self.transport.write(batch[0] if len(batch) == 1 else b"".join(batch))  # type: ignore[union-attr]

    def eof_received(self) -> Optional[bool]:
        try:
            self.parser.eof()
        except ProtocolError as exc:
            self.worker._protocol_error(exc)
        self.worker._on_eof()
        return None

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._wake_drain()
        self.worker._on_eof()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake_drain()

    def _wake_drain(self) -> None:
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _BadArguments(Exception):
    pass


def _clean_text(text: str, limit: int) -> str:
    """Make text encodable (no lone surrogates) and at most ``limit`` characters."""
    if len(text) > limit:
        text = text[:limit] + f"... [truncated, {len(text) - limit} more characters]"
    return text.encode("utf-8", "replace").decode("utf-8")


def _flush_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def hard_exit(code: int) -> "None":
    """Flush stdio and leave at once, even if call threads are still running."""
    _flush_stdio()
    os._exit(code)


class Worker:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.loop_name = "asyncio"  # or "uvloop": set by main()
        self.loop_thread: Optional[int] = None
        self.transport: Optional[asyncio.Transport] = None
        self.protocol: Optional[_HostProtocol] = None
        self._pack = new_packer()  # loop thread only
        self._inline: Dict[str, FunctionSpec] = {}  # ping, info, echo: run on the loop at once
        #: The same, for positional calls: name -> (function, least, most positional arguments).
        self._inline_fast: Dict[str, Tuple[Callable[..., Any], int, int]] = {}
        self._eager: Dict[str, FunctionSpec] = {}  # sleep: started eagerly
        #: While data_received runs: the frames written meanwhile, sent together after it.
        self._batch: Optional[List[bytes]] = None
        self.functions: Dict[str, FunctionSpec] = {}
        self.sessions: Dict[str, Dict[str, Any]] = {}
        #: Sessions opened with snapshots: their mode (snapshots.MODES) and last snapshot's seq.
        self.snapshot_modes: Dict[str, str] = {}
        self.snapshot_seqs: Dict[str, int] = {}
        self.inflight: Dict[int, _Call] = {}
        self.overrunning: Dict[int, float] = {}  # call id -> loop time it was stopped
        self.draining = False
        self._exiting = False
        self.executor = ThreadPoolExecutor(max_workers=config.slots, thread_name_prefix="taipan-call")

    # ------------------------------------------------------------------ logging / exit

    def log(self, message: str) -> None:
        # The host may have closed our stderr pipe (it does while shutting down); a log line
        # must never be the reason a worker fails to drain or exit.
        try:
            print(f"taipan-worker {self.config.worker_id}: {message}", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass

    def _protocol_error(self, exc: BaseException) -> None:
        self.log(f"protocol error from host: {exc}; exiting with status {EXIT_PROTOCOL}")
        hard_exit(EXIT_PROTOCOL)

    def _internal_error(self) -> None:
        self.log("internal error in the worker runtime")
        traceback.print_exc(file=sys.stderr)
        hard_exit(1)

    async def _flush_socket(self, timeout: float) -> None:
        transport, protocol = self.transport, self.protocol
        if transport is None or protocol is None or self.loop is None:
            return
        try:
            # with both limits at 0 the transport pauses us while anything is unsent and
            # resumes us once its buffer is empty
            transport.set_write_buffer_limits(high=0, low=0)
            if protocol.writing_paused and not transport.is_closing():
                protocol.drain_waiter = self.loop.create_future()
                await asyncio.wait_for(protocol.drain_waiter, timeout)
        except Exception:
            pass

    async def _graceful_exit(self, code: int, timeout: float = 5.0) -> None:
        await self._flush_socket(timeout)
        hard_exit(code)

    def _schedule_exit(self, code: int, reason: str) -> None:
        if self._exiting:
            return
        self._exiting = True
        self.log(reason)
        assert self.loop is not None
        self.loop.create_task(self._graceful_exit(code))

    # ------------------------------------------------------------------ startup

    def _builtins(self) -> Dict[str, FunctionSpec]:
        # Trivial builtins run on the loop, so they answer even when every thread is busy.
        # ping, info and echo are plain functions run inline (no coroutine, no task); sleep
        # is started eagerly and continues in a task.
        def ping() -> str:
            return "pong"

        def info() -> Dict[str, Any]:
            return {
                "worker_id": self.config.worker_id,
                "pid": os.getpid(),
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "package": __version__,
                "slots": self.config.slots,
                "max_frame_bytes": self.config.max_frame_bytes,
                "modules": list(self.config.modules),
                "functions": sorted(self.functions),
                "sessions": len(self.sessions),
                "in_flight": len(self.inflight),
                "rss_bytes": _rss_bytes(),
                "event_loop": self.loop_name,
            }

        def echo(value: Any = None) -> Any:
            return value

        async def sleep(seconds: float) -> float:
            await asyncio.sleep(seconds)
            return seconds

        def session_snapshot(session: Dict[str, Any]) -> None:
            return None  # the snapshot itself goes out just before the result (see _finish)

        specs = {
            name: make_spec(fn, name, "taipan_worker.builtins")
            for name, fn in (("ping", ping), ("info", info), ("echo", echo), ("sleep", sleep))
        }
        specs[SNAPSHOT_FUNCTION] = make_spec(session_snapshot, SNAPSHOT_FUNCTION, "taipan_worker.builtins",
                                             session=True)
        return specs

    def _import_modules(self) -> None:
        for module in self.config.modules:
            started = time.perf_counter()
            try:
                importlib.import_module(module)
            except BaseException:
                self.log(f"failed to import {module}; exiting with status {EXIT_IMPORT}")
                traceback.print_exc(file=sys.stderr)
                hard_exit(EXIT_IMPORT)
            elapsed = (time.perf_counter() - started) * 1000
            self.log(f"imported {module} in {elapsed:.0f} ms")
        builtins = self._builtins()
        self._inline = {name: spec for name, spec in builtins.items() if not spec.is_async}
        self._inline_fast = {
            name: (spec.func, spec.positional_range[0], spec.positional_range[1])
            for name, spec in self._inline.items()
            if spec.positional_range is not None and not spec.session
        }
        self._eager = {name: spec for name, spec in builtins.items() if spec.is_async}
        self.functions = dict(builtins)
        for name, spec in exposed(self.config.modules).items():
            self.functions[name] = spec

    async def run(self, token: str) -> None:
        global _active
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()
        try:
            transport, protocol = await self.loop.create_unix_connection(
                lambda: _HostProtocol(self), self.config.socket
            )
        except OSError as exc:
            self.log(f"cannot connect to {self.config.socket}: {exc}")
            hard_exit(EXIT_CONNECT)
        self.transport, self.protocol = transport, protocol  # type: ignore[assignment]
        _active = self
        self.log(f"connected to {self.config.socket}")
        self._send({"v": 1, "type": "auth", "worker_id": self.config.worker_id, "token": token})
        del token
        # Installed before hello so that a SIGTERM right after hello always drains; one that
        # arrives during the imports is handled once the loop runs (nothing is in flight).
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self.loop.add_signal_handler(sig, self._on_terminate, sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        self._import_modules()
        self._send(
            {
                "v": 1,
                "type": "hello",
                "worker_id": self.config.worker_id,
                "pid": os.getpid(),
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "package": __version__,
                "slots": self.config.slots,
                "max_frame_bytes": self.config.max_frame_bytes,
                "functions": sorted(self.functions),
                "capabilities": list(CAPABILITIES),
                "idempotent": sorted(n for n, f in self.functions.items() if f.idempotent),
            }
        )
        self.log(f"ready ({len(self.functions)} functions, {self.config.slots} slots, {self.loop_name} loop)")
        # From here on everything happens in the protocol's callbacks; the process exits
        # from them (EOF, protocol error, drained), never by returning from here.
        await self.loop.create_future()

    # ------------------------------------------------------------------ I/O

    def _send(self, msg: Dict[str, Any]) -> None:
        self._write(encode_frame(msg, self.config.max_frame_bytes))

    def _write(self, frame: bytes) -> None:
        batch = self._batch
        if batch is not None:
            batch.append(frame)  # data_received writes the batch when the chunk is handled
            return
        assert self.transport is not None
        self.transport.write(frame)

    def _on_eof(self) -> None:
        self.log(f"connection closed by host; exiting ({len(self.inflight)} calls in flight)")
        hard_exit(EXIT_OK)

    def _on_terminate(self, sig: int) -> None:
        if self.draining:
            return
        self.draining = True
        self.log(f"received {signal.Signals(sig).name}; draining {len(self.inflight)} calls in flight")
        if not self.inflight:
            self._schedule_exit(EXIT_OK, "drained; exiting")

    # ------------------------------------------------------------------ dispatch

    def _dispatch(self, msg: Dict[str, Any]) -> None:
        mtype = msg["type"]
        if mtype == "call":
            self._on_call(msg)
        elif mtype == "cancel":
            self._stop_call(msg["id"], "cancelled", "the call was cancelled by the host")
        elif mtype == "heartbeat":
            reply: Dict[str, Any] = {"v": 1, "type": "heartbeat", "seq": msg["seq"]}
            overrun = self._overrun_threads()
            if overrun:
                reply["overrun"] = overrun
            self._write(encode_ordered_frame(reply, self.config.max_frame_bytes, self._pack))
        elif mtype == "session_close":
            sid = msg["session"]
            self.sessions.pop(sid, None)
            self.snapshot_modes.pop(sid, None)
            self.snapshot_seqs.pop(sid, None)
        elif mtype == "session_open" or mtype == "session_restore":
            self._on_session_open(msg)
        elif mtype == "callback_result":
            self._on_callback_result(msg)
        elif mtype == "chunk_ack":
            call = self.inflight.get(msg["id"])
            if call is not None and call.credit is not None:  # else finished or unknown: ignored
                call.credit.ack(msg["seq"])
        else:
            raise ProtocolError(f"unexpected message type {mtype!r} from the host")

    def _on_bad_value(self, bad: BadValue) -> None:
        """A call's frame holds a value outside the value domain: that call alone fails."""
        msg = bad.message
        mtype, cid = msg["type"], msg["id"]
        if mtype == "call":
            if cid <= 0 or cid in self.inflight:
                raise ProtocolError(f"call id {cid} is not positive or already in flight")
            self._write(self._error_frame(cid, "bad_value", "", f"the call cannot be decoded: {bad.problem}", "",
                                          False))
        elif mtype == "callback_result":
            call = self.inflight.get(cid)
            future = call.callbacks.pop(msg.get("callback_id"), None) if call and call.callbacks else None
            if future is not None and not future.done():
                future.set_exception(CallbackError(f"the answer of the Java callback cannot be decoded: {bad.problem}"))
        else:
            raise ProtocolError(f"unexpected message type {mtype!r} from the host")

    def _on_call(self, msg: Dict[str, Any]) -> None:
        cid: int = msg["id"]
        if cid <= 0:
            raise ProtocolError(f"call id {cid} is not positive")
        inflight = self.inflight
        if cid in inflight:
            raise ProtocolError(f"call id {cid} is already in flight")
        name: str = msg["function"]
        fast = self._inline_fast.get(name)
        if fast is not None and not self.draining:
            # The no-op path: a trivial built-in with positional arguments that certainly bind.
            raw_args = msg.get("args")
            if raw_args is None:
                count, args = 0, ()
            elif raw_args.__class__ is list:
                count, args = len(raw_args), raw_args
            else:
                count = -1
            func, least, most = fast
            if least <= count and (count <= most or most < 0):
                call = _Call(cid, name)
                inflight[cid] = call
                try:
                    value = func(*args)
                except BaseException as exc:  # noqa: BLE001
                    self._finish(call, self._exception_frame(cid, exc))
                else:
                    self._finish(call, self._loop_result_frame(cid, value))
                return
        if self.draining:
            self._write(self._error_frame(cid, "draining", "", "the worker is shutting down", "", True))
            return
        spec = self.functions.get(name)
        if spec is None:
            available = ", ".join(sorted(self.functions))
            self._write(
                self._error_frame(
                    cid,
                    "unknown_function",
                    "",
                    f"unknown function {name!r}; available functions: {available}",
                    "",
                    False,
                )
            )
            return
        raw_args = msg.get("args")
        fits = spec.positional_range
        kwargs: Optional[Dict[str, Any]] = None
        if fits is not None and not spec.session and (raw_args is None or raw_args.__class__ is list):
            # Fast path: positional arguments whose count certainly binds (what bind() checks).
            count = len(raw_args) if raw_args is not None else 0
            if fits[0] <= count and (count <= fits[1] or fits[1] < 0):
                args: Any = raw_args if raw_args is not None else ()
            else:
                fits = None
        else:
            fits = None
        if fits is None:
            try:
                args, kwargs = self._prepare_arguments(spec, raw_args, msg.get("session"))
            except _BadArguments as exc:
                self._write(self._error_frame(cid, "bad_arguments", "TypeError", str(exc), "", False))
                return
        if self._inline.get(name) is spec:
            # A trivial built-in (ping, info, echo): run it here, on the loop, and answer at
            # once (no task, no thread, no deadline timer).
            call = _Call(cid, name)
            if spec.session:
                call.snapshot = self._snapshot_after(name, msg.get("session"))
            inflight[cid] = call
            try:
                value = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
            except BaseException as exc:  # noqa: BLE001
                self._finish(call, self._exception_frame(cid, exc))
            else:
                self._finish(call, self._loop_result_frame(cid, value))
            return
        timeout_ms = msg.get("timeout_ms")
        loop = self.loop
        assert loop is not None
        received = loop.time() if timeout_ms is not None else 0.0
        call = _Call(cid, name)
        if spec.session:
            call.snapshot = self._snapshot_after(name, msg.get("session"))
        window = msg.get("chunk_window")
        if spec.streams and window is not None:
            window_bytes = msg.get("chunk_window_bytes")
            if window < 1 or (window_bytes is not None and window_bytes < 1):
                raise ProtocolError(f"call {cid}: chunk_window {window} / chunk_window_bytes {window_bytes} "
                                    "must be positive")
            call.credit = _Credit(window, window_bytes)
        inflight[cid] = call
        if spec.streams == "async":
            call.task = loop.create_task(self._run_async_stream(call, spec, args, kwargs))
        elif spec.streams == "sync":
            future = self.executor.submit(self._run_sync_stream, call, spec, args, kwargs)
            call.task = future
            future.add_done_callback(
                lambda f, call=call: loop.call_soon_threadsafe(self._sync_done, call, f)  # type: ignore[misc]
            )
        elif spec.is_async:
            if self._eager.get(name) is spec:
                # Eager start: run the first step here; most built-ins finish in it.
                try:
                    coro = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
                    yielded = coro.send(None)
                except StopIteration as stop:
                    self._finish(call, self._loop_result_frame(cid, stop.value))
                    return
                except BaseException as exc:  # noqa: BLE001 - includes SystemExit raised by user code
                    self._finish(call, self._exception_frame(cid, exc))
                    return
                call.task = loop.create_task(self._run_resumed(call, coro, yielded))
            else:
                call.task = loop.create_task(self._run_async(call, spec, args, kwargs))
        else:
            future = self.executor.submit(self._run_sync_in, call, spec, args, kwargs)
            call.task = future
            future.add_done_callback(
                lambda f, call=call: loop.call_soon_threadsafe(self._sync_done, call, f)  # type: ignore[misc]
            )
        if timeout_ms is not None:
            call.timer = loop.call_at(
                received + max(timeout_ms, 0) / 1000.0, self._on_deadline, cid, timeout_ms
            )

    def _prepare_arguments(
        self, spec: FunctionSpec, raw_args: Any, session_id: Optional[str]
    ) -> Tuple[List[Any], Dict[str, Any]]:
        if raw_args is None:
            args: List[Any] = []
            kwargs: Dict[str, Any] = {}
        elif isinstance(raw_args, list):
            args, kwargs = list(raw_args), {}
        else:
            bad = [k for k in raw_args if not isinstance(k, str)]
            if bad:
                raise _BadArguments(f"keyword argument names must be strings, got {bad[0]!r}")
            args, kwargs = [], dict(raw_args)
        if spec.session:
            if session_id is None:
                raise _BadArguments(f"{spec.name} is session-aware and needs a session, but the call has none")
            if "session" in kwargs:
                raise _BadArguments("'session' is reserved for the session state and cannot be passed as an argument")
            state = self.sessions.setdefault(session_id, {})
            index = _positional_index(spec, "session")
            if index is not None and len(args) >= index:
                # ``def f(session, x)`` called with args [x]: the host's positional arguments
                # fill the parameters other than ``session``.
                args.insert(index, state)
            else:
                kwargs["session"] = state
        if spec.signature is not None:
            try:
                spec.signature.bind(*args, **kwargs)
            except TypeError as exc:
                raise _BadArguments(f"{spec.name}: {exc}") from None
        return args, kwargs

    # ------------------------------------------------------------------ session snapshots

    def _on_session_open(self, msg: Dict[str, Any]) -> None:
        """``session_open`` (a new session with snapshots) or ``session_restore`` (a session
        moved here from a dead worker, with its last snapshot)."""
        sid: str = msg["session"]
        mode = msg["snapshots"]
        if mode not in MODES:
            raise ProtocolError(f"{msg['type']}: unknown snapshots mode {mode!r} (expected one of {sorted(MODES)})")
        state = self.sessions.setdefault(sid, {})
        if msg["type"] == "session_restore":
            restored = msg["state"]
            problem = snapshot_problem(restored, "state")
            if problem is not None:
                raise ProtocolError(f"session_restore for {sid!r}: {problem}")
            state.clear()  # the same dict object: nothing of an older state survives
            state.update(restored)
            self.snapshot_seqs[sid] = msg["seq"]
        else:
            self.snapshot_seqs.setdefault(sid, 0)
        self.snapshot_modes[sid] = mode

    def _snapshot_after(self, name: str, sid: Optional[str]) -> Optional[str]:
        """The session to snapshot when this session-aware call ends, or None."""
        if sid is not None and (name == SNAPSHOT_FUNCTION or self.snapshot_modes.get(sid) == AFTER_EACH_CALL):
            return sid
        return None

    def _session_state_frame(self, cid: int, sid: str) -> bytes:
        """On the loop: the session's snapshot, or why it cannot be taken (the last one stands).

        Encoded on the loop thread in one ``msgpack`` call, which holds the GIL throughout, so
        a call of the same session running on a thread cannot change the state halfway.
        """
        state = self.sessions.get(sid, {})
        last = self.snapshot_seqs.get(sid, 0)
        found = find_problem(state)
        path: Optional[str] = None
        if found is None:
            try:
                frame = encode_frame(
                    {"v": 1, "type": "session_state", "id": cid, "session": sid, "seq": last + 1,
                     "state": state, "error": None, "path": None},
                    self.config.max_frame_bytes - RESTORE_HEADROOM,
                )
            except FrameTooLarge as exc:
                error = (f"the session's state does not fit in a frame with room for its restore "
                         f"({RESTORE_HEADROOM} bytes): {exc}")
            except Exception as exc:  # changed by a thread since it was checked
                error = f"the session's state cannot be encoded: {type(exc).__name__}: {exc}"
            else:
                self.snapshot_seqs[sid] = last + 1
                return frame
        else:
            path, error = found
        return encode_frame(
            {"v": 1, "type": "session_state", "id": cid, "session": sid, "seq": last, "state": None,
             "error": _clean_text(error, 4000), "path": None if path is None else _clean_text(path, 1000)},
            self.config.max_frame_bytes,
        )

    # ------------------------------------------------------------------ running calls

    async def _run_async(
        self, call: _Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]
    ) -> None:
        _task_call.set(CallContext(self, call))  # this task's own context copy
        await self._complete(call, lambda: spec.func(*args, **kwargs) if kwargs else spec.func(*args))

    async def _run_resumed(self, call: _Call, coro: Any, yielded: Any) -> None:
        """The rest of an eagerly started coroutine that suspended in its first step."""
        await self._complete(call, lambda: _resume(coro, yielded))

    async def _complete(self, call: _Call, awaitable: Callable[[], Any]) -> None:
        """Await a call's coroutine and send its result or error, exactly once."""
        cid = call.id
        try:
            try:
                value = await awaitable()
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - includes SystemExit raised by user code
                frame = self._exception_frame(cid, exc)
            else:
                frame = self._loop_result_frame(cid, value)
        except asyncio.CancelledError as exc:
            if self.inflight.get(cid) is call:  # not cancelled by us: the function itself raised it
                self._finish(call, self._exception_frame(cid, exc))
            return
        self._finish(call, frame)

    def _run_sync_in(self, call: _Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bytes:
        """On an executor thread: ``_run_sync`` with the call known to :func:`current_call`."""
        _thread_call.ctx = CallContext(self, call)
        try:
            return self._run_sync(call.id, spec, args, kwargs)
        finally:
            _thread_call.ctx = None

    async def _run_async_stream(
        self, call: _Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]
    ) -> None:
        """An async generator: each yielded value goes out as a ``chunk``, then ``result`` nil."""
        cid = call.id
        _task_call.set(CallContext(self, call))
        try:
            try:
                agen = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
                seq = 0
                credit = call.credit
                async for item in agen:
                    frame = self._chunk_frame(cid, seq, item, self._pack)
                    if credit is not None and not await credit.take(len(frame)):
                        break  # the call ended while the stream waited for its consumer
                    self._write(frame)
                    seq += 1
            except asyncio.CancelledError:
                raise
            except _UnsendableChunk as exc:
                frame = exc.frame
            except BaseException as exc:  # noqa: BLE001
                frame = self._exception_frame(cid, exc)
            else:
                frame = self._loop_result_frame(cid, None)
        except asyncio.CancelledError as exc:
            if self.inflight.get(cid) is call:
                self._finish(call, self._exception_frame(cid, exc))
            return
        self._finish(call, frame)

    def _run_sync_stream(self, call: _Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bytes:
        """On an executor thread: a generator; chunks go to the loop in order, before the end."""
        cid = call.id
        loop = self.loop
        assert loop is not None
        _thread_call.ctx = CallContext(self, call)
        try:
            gen = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
            seq = 0
            credit = call.credit
            for item in gen:
                if call.stopped:  # cancelled or past its deadline: stop producing
                    gen.close()
                    break
                frame = self._chunk_frame(cid, seq, item)
                if credit is not None and not credit.take_blocking(len(frame)):
                    gen.close()  # the call ended while the stream waited for its consumer
                    break
                loop.call_soon_threadsafe(self._write_chunk, call, frame)
                seq += 1
        except _UnsendableChunk as exc:
            return exc.frame
        except BaseException as exc:  # noqa: BLE001
            return self._exception_frame(cid, exc)
        finally:
            _thread_call.ctx = None
        return self._result_frame(cid, None)

    def _write_chunk(self, call: _Call, frame: bytes) -> None:
        if self.inflight.get(call.id) is call:
            self._write(frame)

    def _chunk_frame(self, cid: int, seq: int, item: Any, pack: Optional[Callable[[Any], bytes]] = None) -> bytes:
        try:
            return encode_ordered_frame(
                {"v": 1, "type": "chunk", "id": cid, "seq": seq, "data": item}, self.config.max_frame_bytes, pack
            )
        except FrameTooLarge as exc:
            raise _UnsendableChunk(
                self._error_frame(cid, "frame_too_large", error_type_name(FrameTooLarge), f"chunk {seq}: {exc}", "",
                                  False)
            ) from None
        except Exception as exc:  # TypeError, OverflowError, ValueError from msgpack
            raise _UnsendableChunk(
                self._error_frame(
                    cid, "unserializable_result", error_type_name(type(exc)),
                    f"chunk {seq} of type {type(item).__name__} cannot be encoded as MessagePack: {exc}", "", False,
                )
            ) from None

    def _on_callback_result(self, msg: Dict[str, Any]) -> None:
        call = self.inflight.get(msg["id"])
        if call is None or call.callbacks is None:
            return  # the call ended meanwhile: nobody waits for this answer
        future = call.callbacks.pop(msg["callback_id"], None)
        if future is None or future.done():
            return
        if msg.get("error") is not None:
            future.set_exception(CallbackError(msg["error"]))
        else:
            future.set_result(msg.get("value"))

    def _run_sync(self, cid: int, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bytes:
        """On an executor thread: run a plain function and encode its outcome."""
        try:
            value = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
        except BaseException as exc:  # noqa: BLE001
            return self._exception_frame(cid, exc)
        return self._result_frame(cid, value)

    def _sync_done(self, call: _Call, future: "ConcurrentFuture[bytes]") -> None:
        """On the loop: a plain function's executor future is done (or was cancelled by us)."""
        if future.cancelled():
            return  # cancelled while queued by _stop_call, which already answered
        try:
            frame = future.result()
        except BaseException as exc:  # pragma: no cover - defensive: a call must always end
            frame = self._exception_frame(call.id, exc)
        self._finish(call, frame)

    def _finish(self, call: _Call, frame: bytes) -> None:
        cid = call.id
        inflight = self.inflight
        if inflight.get(cid) is not call:
            return  # already ended by cancel / deadline: discard the late result
        del inflight[cid]
        call.stopped = True
        if call.credit is not None:
            call.credit.close()  # a stream waiting for acks stops
        if call.timer is not None:
            call.timer.cancel()
        if call.callbacks:
            for future in call.callbacks.values():
                if not future.done():
                    future.set_exception(CallbackError("the call ended before Java answered"))
            call.callbacks = None
        if call.snapshot is not None:
            self._write(self._session_state_frame(cid, call.snapshot))
        self._write(frame)
        if self.draining and not inflight:
            self._schedule_exit(EXIT_OK, "drained; exiting")

    def _stop_call(self, cid: int, kind: str, message: str) -> None:
        call = self.inflight.get(cid)
        if call is None:
            return  # unknown or finished id: the race is normal
        call.snapshot = None  # a plain call's thread may still be changing the state
        self._finish(call, self._error_frame(cid, kind, "", message, "", False))
        if call.task is not None:
            # A task is cancelled for real; a queued plain call never starts; a running plain
            # call's thread cannot be stopped: remember it, heartbeats report it (see below).
            if not call.task.cancel() and isinstance(call.task, ConcurrentFuture) and not call.task.done():
                assert self.loop is not None
                self.overrunning[cid] = self.loop.time()
                call.task.add_done_callback(
                    lambda f, cid=cid: self.loop.call_soon_threadsafe(self.overrunning.pop, cid, None)  # type: ignore
                )

    def _overrun_threads(self) -> int:
        """Threads still running calls that ended (deadline, cancel) more than a grace period
        ago: they hold a slot's thread for good, so the host recycles this worker."""
        if not self.overrunning:
            return 0
        assert self.loop is not None
        now = self.loop.time()
        return sum(1 for stopped in self.overrunning.values() if now - stopped >= OVERRUN_GRACE_S)

    def _on_deadline(self, cid: int, timeout_ms: int) -> None:
        self._stop_call(cid, "deadline_exceeded", f"the call did not finish within {timeout_ms} ms")

    # ------------------------------------------------------------------ frames

    def _loop_result_frame(self, cid: int, value: Any) -> bytes:
        """``_result_frame`` on the loop thread, with the loop's reusable packer."""
        try:
            frame = encode_result_frame(cid, value, self.config.max_frame_bytes, self._pack)
        except Exception:  # too large or unserializable: _result_frame makes the error frame
            return self._result_frame(cid, value, self._pack)
        if len(frame) > _PACKER_KEEP_BYTES:
            self._pack = new_packer()  # do not keep a big buffer around
        return frame

    def _result_frame(self, cid: int, value: Any, pack: Optional[Callable[[Any], bytes]] = None) -> bytes:
        try:
            return encode_result_frame(cid, value, self.config.max_frame_bytes, pack)
        except FrameTooLarge as exc:
            if pack is not None and pack is self._pack:
                self._pack = new_packer()  # it grew to hold the oversize body
            return self._error_frame(cid, "frame_too_large", error_type_name(FrameTooLarge), str(exc), "", False)
        except Exception as exc:  # TypeError, OverflowError, ValueError from msgpack
            return self._error_frame(
                cid,
                "unserializable_result",
                error_type_name(type(exc)),
                f"the result of type {type(value).__name__} cannot be encoded as MessagePack: {exc}",
                "",
                False,
            )

    def _exception_frame(self, cid: int, exc: BaseException) -> bytes:
        try:
            message = str(exc)
        except Exception:
            message = f"<unprintable {type(exc).__name__}>"
        try:
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        except Exception:
            tb = ""
        return self._error_frame(cid, "exception", error_type_name(type(exc)), message, tb, False)

    def _error_frame(
        self, cid: Optional[int], kind: str, error_type: str, message: str, tb: str, retryable: bool
    ) -> bytes:
        limit = _MAX_ERROR_TEXT
        while True:
            msg = {
                "v": 1,
                "type": "error",
                "id": cid,
                "kind": kind,
                "error_type": _clean_text(error_type, 1000),
                "message": _clean_text(message, limit),
                "traceback": _clean_text(tb, limit),
                "retryable": retryable,
            }
            try:
                return encode_frame(msg, self.config.max_frame_bytes)
            except FrameTooLarge:
                if limit == 0:
                    raise
                limit = limit // 4 if limit > 64 else 0


def _positional_index(spec: FunctionSpec, name: str) -> Optional[int]:
    if spec.signature is None:
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for i, param in enumerate(spec.signature.parameters.values()):
        if param.kind not in positional:
            return None
        if param.name == name:
            return i
    return None


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(rss if sys.platform == "darwin" else rss * 1024)
    except Exception:
        return 0


def event_loop_factory(choice: Optional[str] = None) -> Tuple[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The event loop the worker runs on: ``(name, factory)``.

    ``choice`` (default: the ``TAIPAN_EVENT_LOOP`` environment variable, else ``auto``) is
    ``auto`` (uvloop when it is installed, else asyncio's own loop), ``uvloop`` or
    ``asyncio``. uvloop runs the same asyncio code with a faster loop (libuv): about 10 µs
    less of the worker's CPU per call. If ``uvloop`` is asked for but cannot be imported,
    the worker says so on stderr and uses asyncio's loop.
    """
    if choice is None:
        choice = os.environ.get(EVENT_LOOP_ENV, "")
    choice = choice.strip().lower() or "auto"
    if choice not in ("auto", "uvloop", "asyncio"):
        print(f"taipan-worker: {EVENT_LOOP_ENV}={choice!r} is not one of auto, uvloop, asyncio; using auto",
              file=sys.stderr, flush=True)
        choice = "auto"
    if choice != "asyncio":
        try:
            import uvloop  # type: ignore[import-not-found]

            return "uvloop", uvloop.new_event_loop
        except ImportError as exc:
            if choice == "uvloop":
                print(f"taipan-worker: {EVENT_LOOP_ENV}=uvloop but uvloop cannot be imported ({exc}); using asyncio",
                      file=sys.stderr, flush=True)
    return "asyncio", asyncio.new_event_loop


def main(config: Config, token: str) -> None:
    """Run the worker with its secret ``token`` (from its start frame or its fork request,
    never the environment); never returns (the process exits with its status)."""
    if not token:
        print(f"taipan-worker {config.worker_id}: no token; exiting with status {EXIT_IMPORT}",
              file=sys.stderr, flush=True)
        hard_exit(EXIT_IMPORT)
    worker = Worker(config)
    try:
        loop_name, new_loop = event_loop_factory()
        worker.loop_name = loop_name
        loop = new_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(worker.run(token))  # type: ignore[arg-type]
    except BaseException:
        worker.log("internal error in the worker runtime")
        traceback.print_exc(file=sys.stderr)
        hard_exit(1)
    hard_exit(EXIT_OK)


__all__ = ["Config", "Worker", "main", "raw_writer_for_testing", "hard_exit", "CallContext", "CallbackError",
           "current_call", "call_java"]
