"""What a running function sees of its call: :func:`current_call`, :func:`call_java`.

A plain function finds its call through a thread-local (set by the thread that runs it), an
``async def`` one through a context variable (each task has its own copy). The handle talks
to the worker only on the loop thread: a thread hands its callback to the loop and waits.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import Future as ConcurrentFuture
from typing import TYPE_CHECKING, Any, Optional

from .protocol import FrameTooLarge, encode_frame

if TYPE_CHECKING:  # the worker imports this module, not the other way round
    from .calls import Call
    from .ports import CallbackPort


class CallbackError(Exception):
    """A Java callback failed, is unknown, or the call ended before it answered."""


class CallContext:
    """The call a function is running in; lets it call Java functions the host registered
    for this call (``CallOptions.withCallback`` in Java). Get it with :func:`current_call`
    on the thread or task that runs the call; the handle itself may be used from any thread.
    """

    __slots__ = ("_worker", "_call")

    def __init__(self, worker: "CallbackPort", call: "Call") -> None:
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


#: The call of the plain function running on this thread (``ctx``), if any.
_thread_call = threading.local()
#: The call of the ``async def`` function running in this task, if any.
_task_call: "contextvars.ContextVar[Optional[CallContext]]" = contextvars.ContextVar("taipan_call", default=None)
#: The trace (``tracing.CallTrace``) of the traced plain call this context copy runs: set in
#: the copy the call's thread runs in, so threads the function starts in a copy of its
#: context (``contextvars.copy_context().run``) still find their call's SERVER span.
_call_trace: "contextvars.ContextVar[Any]" = contextvars.ContextVar("taipan_call_trace", default=None)


def current_call() -> CallContext:
    """The call running on this thread (plain functions) or task (async functions)."""
    ctx = _task_call.get() or getattr(_thread_call, "ctx", None)
    if ctx is None:
        raise RuntimeError("not inside a Taipan call")
    return ctx


def call_java(name: str, args: Any = None, timeout: Optional[float] = None) -> Any:
    """``current_call().call_java(name, args)``: run a Java callback registered for this call."""
    return current_call().call_java(name, args, timeout)


def bind_thread(ctx: Optional[CallContext]) -> None:
    """Make ``ctx`` this thread's call (``None``: none); for helper threads of a call, e.g.
    the DSPy bridge's evaluation threads, so Java callbacks work from them too."""
    _thread_call.ctx = ctx
