"""Call a ``@function`` in this process the way Java calls it: the test harness behind the
pytest plugin (``taipan_worker.pytest_plugin``), usable without pytest.

Nothing is simulated between the frames: the arguments are encoded into the ``call`` frame
the Java pool sends (``args`` a list or a map, ``session``, the stream window, ``timeout_ms``
last as a fixed-width uint64), fed to a real :class:`~taipan_worker.runtime.Worker` through
its real socket protocol (``transport``), dispatched and run by ``runtime`` and
``execution`` on the worker's own event loop (in a thread of this process), and its reply
frames decoded as the host decodes them. What the Java pool would raise, :meth:`Harness.call`
raises, as the exception of the same name (:class:`PythonException`,
:class:`SerializationException` with the ``path`` of the bad part, :class:`CallTimeoutException`,
...). What is not here: a separate process (a crash ends the test run), sessions, retries.
"""

from __future__ import annotations

import importlib
import itertools
import struct
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from . import errors, registry, runtime
from .loops import event_loop_factory
from .protocol import DEFAULT_MAX_FRAME_BYTES, FrameParser, ValueDomainError, encode_body, encode_frame
from .transport import HostProtocol

__all__ = ["Harness", "TaipanError", "PythonException", "UnknownFunctionException", "BadArgumentsException",
           "CallTimeoutException", "CallCancelledException", "SerializationException", "FrameTooLargeException"]

#: The pool's defaults (PoolConfig): a call's timeout, a stream's window of chunks and bytes.
DEFAULT_TIMEOUT_S = 60.0
STREAM_WINDOW = 32
STREAM_WINDOW_BYTES = 8 * 1024 * 1024
#: How long past a call's own deadline the harness waits for the worker's answer to it.
GRACE_S = 5.0


class TaipanError(Exception):
    """What a Java caller would get as a ``TaipanException``; ``kind`` is the error frame's."""

    def __init__(self, function: str, kind: str, message: str, chunks: Optional[List[Any]] = None) -> None:
        super().__init__(message)
        self.function = function
        self.kind = kind
        self.message = message
        #: A stream's chunks that arrived before it failed.
        self.chunks: List[Any] = chunks or []


class PythonException(TaipanError):
    """The function raised: Java's ``PythonException``, with the Python type and traceback."""

    def __init__(self, function: str, error_type: str, message: str, traceback: str,
                 chunks: Optional[List[Any]] = None) -> None:
        super().__init__(function, errors.EXCEPTION, f"{function} raised {error_type}: {message}", chunks)
        self.error_type = error_type
        self.remote_message = message
        self.traceback = traceback


class UnknownFunctionException(TaipanError):
    """No such ``@function`` on the worker (the message lists the available ones)."""


class BadArgumentsException(TaipanError):
    """The arguments do not bind to the function's parameters."""


class CallTimeoutException(TaipanError):
    """The call did not finish within its timeout."""


class CallCancelledException(TaipanError):
    """The call was cancelled."""


class SerializationException(TaipanError):
    """A value cannot cross the wire; ``path`` names its bad part (``value["items"][3]``, ``args[0]``)."""

    def __init__(self, function: str, kind: str, message: str, path: str, chunks: Optional[List[Any]] = None) -> None:
        super().__init__(function, kind, message, chunks)
        self.path = path


class FrameTooLargeException(TaipanError):
    """The encoded result (or a chunk) is larger than the pool's maximum frame."""


class _InProcessWorker(runtime.Worker):
    """The real worker, but a broken frame or a runtime bug fails the call's test instead
    of ending this process (the real one exits: ``hard_exit``)."""

    failure: Optional[str] = None

    def _protocol_error(self, exc: BaseException) -> None:
        self.failure = f"the worker saw a protocol error: {exc}"

    def _internal_error(self) -> None:
        import traceback

        self.failure = "internal error in the worker runtime:\n" + traceback.format_exc()

    def _on_eof(self) -> None:
        pass

    def _schedule_exit(self, code: int, reason: str) -> None:
        pass


class _Transport:
    """The worker's side of the in-process connection: what it writes is parsed at once."""

    def __init__(self, on_data: Callable[[bytes], None]) -> None:
        self._on_data = on_data

    def write(self, data: bytes) -> None:
        self._on_data(bytes(data))

    def is_closing(self) -> bool:
        return False

    def set_write_buffer_limits(self, high: int = 0, low: int = 0) -> None:
        pass


class _Pending:
    def __init__(self, function: str, callbacks: Mapping[str, Callable[[Any], Any]]) -> None:
        self.function = function
        self.callbacks = callbacks
        self.chunks: List[Any] = []
        self.end: Optional[Dict[str, Any]] = None
        self.done = threading.Event()


class Harness:
    """One in-process worker with its own event loop thread; :meth:`close` it after use.

    ``call`` and ``stream`` may be used from any thread, also at once (the worker has
    ``slots`` threads for plain functions, as a real one has).
    """

    def __init__(self, slots: int = 4, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._pending: Dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self._parser = FrameParser(self._on_reply, max_frame_bytes)
        self._worker = _InProcessWorker(runtime.Config(socket="in-process", worker_id="pytest", slots=slots,
                                                       max_frame_bytes=max_frame_bytes))
        loop_name, new_loop = event_loop_factory()
        self._loop = new_loop()
        self._worker.loop_name = loop_name
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run_loop, args=(ready,), name="taipan-harness-loop", daemon=True)
        self._thread.start()
        ready.wait()
        self._on_loop(self._connect)

    # ------------------------------------------------------------------ the worker's side

    def _run_loop(self, ready: threading.Event) -> None:
        import asyncio

        asyncio.set_event_loop(self._loop)
        self._worker.loop = self._loop
        self._worker.loop_thread = threading.get_ident()
        self._loop.call_soon(ready.set)
        self._loop.run_forever()

    def _connect(self) -> None:
        worker = self._worker
        self._protocol = HostProtocol(worker)
        transport = _Transport(self._parser.feed)
        self._protocol.connection_made(transport)  # type: ignore[arg-type]
        worker.transport, worker.protocol = transport, self._protocol  # type: ignore[assignment]
        worker._import_modules()

    def _on_loop(self, fn: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Run ``fn`` on the worker's loop and return its result (or raise its error)."""
        from concurrent.futures import Future

        future: "Future[Any]" = Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001
                future.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def _expose(self, module: str) -> None:
        """Import ``module`` here (an import error is the test's, with its traceback) and
        put it on the worker's allow-list, as the pool's ``modules`` does."""
        importlib.import_module(module)
        if module not in self._worker.config.modules:
            self._worker.config.modules.append(module)
            self._on_loop(self._worker._import_modules)

    # ------------------------------------------------------------------ the host's side

    def _send(self, frame: bytes) -> None:
        self._loop.call_soon_threadsafe(self._protocol.data_received, frame)

    def _on_reply(self, msg: Dict[str, Any]) -> None:
        # On the loop thread, as the worker writes.
        mtype = msg["type"]
        with self._lock:
            pending = self._pending.get(msg.get("id"))  # type: ignore[arg-type]
        if pending is None:
            return
        if mtype == "chunk":
            pending.chunks.append(msg["data"])
            # The Java pool acks once its consumer took the chunk; here it is taken.
            self._send(encode_frame({"v": 1, "type": "chunk_ack", "id": msg["id"], "seq": msg["seq"]}))
        elif mtype == "callback":
            self._loop.call_soon(self._answer_callback, pending, msg)
        elif mtype in ("result", "error"):
            pending.end = msg
            pending.done.set()

    def _answer_callback(self, pending: _Pending, msg: Dict[str, Any]) -> None:
        """What the Java pool answers a ``call_java``: the registered callback's value, or an error text."""
        fn = pending.callbacks.get(msg["name"])
        value: Any = None
        error: Optional[str] = None
        if fn is None:
            error = (f"UnknownCallback: no Java callback named '{msg['name']}' for this call; registered: "
                     f"{sorted(pending.callbacks)}")
        else:
            try:
                value = fn(msg.get("args"))
            except Exception as exc:  # noqa: BLE001 - the Java side sends any exception back as text
                error = f"{type(exc).__name__}: {exc}"
        reply = {"v": 1, "type": "callback_result", "id": msg["id"], "callback_id": msg["callback_id"],
                 "value": value, "error": error}
        try:
            frame = encode_frame(reply)
        except (ValueDomainError, ValueError, TypeError) as exc:
            frame = encode_frame(dict(reply, value=None,
                                      error=f"SerializationException: the callback's result cannot be sent: {exc}"))
        self._protocol.data_received(frame)

    # ------------------------------------------------------------------ calls

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``function`` (``"module:name"`` or the ``@function`` itself) with positional
        or keyword arguments (Java sends one or the other), within :attr:`timeout`; returns
        the decoded result. A generator function's chunks are dropped, as Java's ``call``
        drops them: use :meth:`stream`."""
        return self.call_with(function, list(args) if args else None, kwargs or None)

    def stream(self, function: Any, *args: Any, **kwargs: Any) -> List[Any]:
        """Call a generator function as Java's ``callStream`` does; returns its chunks in order."""
        return self.call_with(function, list(args) if args else None, kwargs or None, stream=True)

    def call_with(self, function: Any, args: Optional[Sequence[Any]] = None,
                  kwargs: Optional[Mapping[str, Any]] = None, *, timeout: Optional[float] = None,
                  stream: bool = False, callbacks: Optional[Mapping[str, Callable[[Any], Any]]] = None) -> Any:
        """:meth:`call` (or :meth:`stream`) with a ``timeout`` in seconds and the Java
        ``callbacks`` the function may reach with ``call_java(name, args)``."""
        if args and kwargs:
            raise TypeError("a call from Java has positional or keyword arguments, not both: pass one of them")
        name = self._name(function)
        timeout = self.timeout if timeout is None else timeout
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        cid = next(self._ids)
        payload: Any = dict(kwargs) if kwargs else (list(args) if args else None)
        frame = self._call_frame(cid, name, payload, int(timeout * 1000), stream)
        pending = _Pending(name, callbacks or {})
        with self._lock:
            self._pending[cid] = pending
        try:
            self._send(frame)
            if not pending.done.wait(timeout + GRACE_S):
                self._send(encode_frame({"v": 1, "type": "cancel", "id": cid}))
                raise CallTimeoutException(name, errors.DEADLINE_EXCEEDED, f"{name} timed out after {timeout} s and "
                                           f"the worker did not answer within {GRACE_S} s more", pending.chunks)
        finally:
            with self._lock:
                self._pending.pop(cid, None)
        if self._worker.failure is not None:
            raise AssertionError(self._worker.failure)
        end = pending.end
        assert end is not None
        if end["type"] == "error":
            raise _exception(name, end, pending.chunks)
        return pending.chunks if stream else end.get("value")

    def _name(self, function: Any) -> str:
        if isinstance(function, str):
            if ":" in function:
                self._expose(function.split(":", 1)[0])
            return function
        if callable(function):
            for spec in registry.registered():
                if spec.func is function:
                    self._expose(spec.module)
                    return spec.name
            raise TypeError(f"{getattr(function, '__qualname__', function)!r} is not a @function: decorate it with "
                            "@taipan_worker.function so that Java can call it")
        raise TypeError(f"function must be 'module:name' or a @function, got {type(function).__name__}")

    @staticmethod
    def _call_frame(cid: int, name: str, args: Any, timeout_ms: int, stream: bool) -> bytes:
        """The frame the pool's CallFrame writes: ``timeout_ms`` last, as 0xcf and 8 bytes."""
        msg: Dict[str, Any] = {"v": 1, "type": "call", "id": cid, "function": name, "args": args, "session": None}
        if stream:
            msg["chunk_window"] = STREAM_WINDOW
            msg["chunk_window_bytes"] = STREAM_WINDOW_BYTES
        try:
            body = encode_body(msg)
        except ValueDomainError as exc:
            problem = str(exc)
            raise SerializationException(name, errors.BAD_VALUE, f"the arguments of {name} cannot be sent from Java: "
                                         f"{problem}", problem.split(": ", 1)[0]) from None
        # One more key in the map's header (a fixmap below 16 keys), then the fixed-width timeout.
        body = bytes([body[0] + 1]) + body[1:] + b"\xaatimeout_ms\xcf" + struct.pack(">Q", timeout_ms)
        return struct.pack(">I", len(body)) + body

    def close(self) -> None:
        """Stop the loop and the worker's threads (a plain call still running keeps its thread)."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._worker.executor.shutdown(wait=False)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> "Harness":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _exception(name: str, end: Dict[str, Any], chunks: List[Any]) -> TaipanError:
    """The error frame as Java's RemoteErrors reads it."""
    kind, message = end["kind"], end["message"]
    if kind == errors.UNKNOWN_FUNCTION:
        return UnknownFunctionException(name, kind, message, chunks)
    if kind == errors.BAD_ARGUMENTS:
        return BadArgumentsException(name, kind, message, chunks)
    if kind == errors.DEADLINE_EXCEEDED:
        return CallTimeoutException(name, kind, f"{name} timed out ({message})", chunks)
    if kind == errors.CANCELLED:
        return CallCancelledException(name, kind, f"{name} was cancelled", chunks)
    if kind in (errors.UNSERIALIZABLE_RESULT, errors.BAD_VALUE):
        detail = message.split("MessagePack: ", 1)[-1]
        return SerializationException(name, kind, f"the result of {name} cannot be sent from Python: {message}",
                                      detail.split(": ", 1)[0], chunks)
    if kind == errors.FRAME_TOO_LARGE:
        return FrameTooLargeException(name, kind, f"the result of {name} is too large to send: {message}", chunks)
    return PythonException(name, end["error_type"] or "Exception", message, end["traceback"], chunks)
