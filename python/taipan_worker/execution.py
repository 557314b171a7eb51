"""How a call runs: one strategy per function, chosen once when the worker registers it.

A strategy starts a call and says whether it is still running (so the worker arms its
deadline timer); whatever it starts ends the call exactly once through ``Worker._finish``.

=====================  ============================================================
``run_inline``         ping, info, echo: on the loop, answered at once (no task, thread, timer)
``start_eager``        sleep: its first step runs at once; a task only if it suspends
``start_task``         ``async def``: a task on the loop
``start_async_stream`` async generator: a task; each item a ``chunk``, then ``result`` nil
``start_thread``       plain function: on the executor's threads (results encoded there)
``start_thread_stream`` generator: on a thread; chunks go to the loop in order
=====================  ============================================================
"""

from __future__ import annotations

import asyncio
import threading
import types
from collections import deque
from concurrent.futures import Future as ConcurrentFuture
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Optional, Union

from .context import CallContext, CallbackError, _task_call, _thread_call
from .registry import FunctionSpec
from .replies import UnsendableChunk

if TYPE_CHECKING:
    from .runtime import Worker

__all__ = ["Call", "Credit", "Start", "choose", "run_inline", "start_eager", "start_task", "start_async_stream",
           "start_thread", "start_thread_stream", "CallbackError"]


class Call:
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
        self.credit: Optional[Credit] = None


class Credit:
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


#: ``start(worker, call, spec, args, kwargs)``: start the call; True while it still runs.
Start = Callable[["Worker", Call, FunctionSpec, Any, Optional[Dict[str, Any]]], bool]


def choose(spec: FunctionSpec, inline: bool = False, eager: bool = False) -> Start:
    """The strategy for ``spec``; ``inline``/``eager`` only for the trivial built-ins, which
    must answer even while every thread is busy."""
    if spec.streams == "async":
        return start_async_stream
    if spec.streams == "sync":
        return start_thread_stream
    if spec.is_async:
        return start_eager if eager else start_task
    return run_inline if inline else start_thread


# ---------------------------------------------------------------------- on the loop

def run_inline(worker: "Worker", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    try:
        value = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
    except BaseException as exc:  # noqa: BLE001
        worker._finish(call, worker.replies.exception(call.id, exc))
    else:
        worker._finish(call, worker.replies.loop_result(call.id, value))
    return False


def start_eager(worker: "Worker", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    # Run the first step here; most built-ins finish in it.
    try:
        coro = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
        yielded = coro.send(None)
    except StopIteration as stop:
        worker._finish(call, worker.replies.loop_result(call.id, stop.value))
        return False
    except BaseException as exc:  # noqa: BLE001 - includes SystemExit raised by user code
        worker._finish(call, worker.replies.exception(call.id, exc))
        return False
    call.task = worker.loop.create_task(_run_resumed(worker, call, coro, yielded))  # type: ignore[union-attr]
    return True


def start_task(worker: "Worker", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    call.task = worker.loop.create_task(_run_async(worker, call, spec, args, kwargs))  # type: ignore[union-attr]
    return True


def start_async_stream(worker: "Worker", call: Call, spec: FunctionSpec, args: Any,
                       kwargs: Optional[Dict[str, Any]]) -> bool:
    call.task = worker.loop.create_task(_run_async_stream(worker, call, spec, args, kwargs))  # type: ignore[union-attr]
    return True


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


async def _run_async(worker: "Worker", call: Call, spec: FunctionSpec, args: Any,
                     kwargs: Optional[Dict[str, Any]]) -> None:
    _task_call.set(CallContext(worker, call))  # this task's own context copy
    await _complete(worker, call, lambda: spec.func(*args, **kwargs) if kwargs else spec.func(*args))


async def _run_resumed(worker: "Worker", call: Call, coro: Any, yielded: Any) -> None:
    """The rest of an eagerly started coroutine that suspended in its first step."""
    await _complete(worker, call, lambda: _resume(coro, yielded))


async def _complete(worker: "Worker", call: Call, awaitable: Callable[[], Any]) -> None:
    """Await a call's coroutine and send its result or error, exactly once."""
    cid = call.id
    replies = worker.replies
    try:
        try:
            value = await awaitable()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - includes SystemExit raised by user code
            frame = replies.exception(cid, exc)
        else:
            frame = replies.loop_result(cid, value)
    except asyncio.CancelledError as exc:
        if worker.inflight.get(cid) is call:  # not cancelled by us: the function itself raised it
            worker._finish(call, replies.exception(cid, exc))
        return
    worker._finish(call, frame)


async def _run_async_stream(worker: "Worker", call: Call, spec: FunctionSpec, args: Any,
                            kwargs: Optional[Dict[str, Any]]) -> None:
    """An async generator: each yielded value goes out as a ``chunk``, then ``result`` nil."""
    cid = call.id
    replies = worker.replies
    _task_call.set(CallContext(worker, call))
    try:
        try:
            agen = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
            seq = 0
            credit = call.credit
            async for item in agen:
                frame = replies.chunk(cid, seq, item, replies.pack)
                if credit is not None and not await credit.take(len(frame)):
                    break  # the call ended while the stream waited for its consumer
                worker._write(frame)
                seq += 1
        except asyncio.CancelledError:
            raise
        except UnsendableChunk as exc:
            frame = exc.frame
        except BaseException as exc:  # noqa: BLE001
            frame = replies.exception(cid, exc)
        else:
            frame = replies.loop_result(cid, None)
    except asyncio.CancelledError as exc:
        if worker.inflight.get(cid) is call:
            worker._finish(call, replies.exception(cid, exc))
        return
    worker._finish(call, frame)


# ---------------------------------------------------------------------- on the executor's threads

def start_thread(worker: "Worker", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    _submit(worker, call, _run_sync_in, spec, args, kwargs)
    return True


def start_thread_stream(worker: "Worker", call: Call, spec: FunctionSpec, args: Any,
                        kwargs: Optional[Dict[str, Any]]) -> bool:
    _submit(worker, call, _run_sync_stream, spec, args, kwargs)
    return True


def _submit(worker: "Worker", call: Call, body: Callable[..., bytes], spec: FunctionSpec, args: Any,
            kwargs: Optional[Dict[str, Any]]) -> None:
    loop = worker.loop
    assert loop is not None
    future = worker.executor.submit(body, worker, call, spec, args, kwargs)
    call.task = future
    future.add_done_callback(
        lambda f, call=call: loop.call_soon_threadsafe(_sync_done, worker, call, f)  # type: ignore[misc]
    )


def _run_sync_in(worker: "Worker", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bytes:
    """On an executor thread: run a plain function, with the call known to ``current_call``,
    and encode its outcome."""
    _thread_call.ctx = CallContext(worker, call)
    try:
        try:
            value = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
        except BaseException as exc:  # noqa: BLE001
            return worker.replies.exception(call.id, exc)
        return worker.replies.result(call.id, value)
    finally:
        _thread_call.ctx = None


def _run_sync_stream(worker: "Worker", call: Call, spec: FunctionSpec, args: Any,
                     kwargs: Optional[Dict[str, Any]]) -> bytes:
    """On an executor thread: a generator; chunks go to the loop in order, before the end."""
    cid = call.id
    loop = worker.loop
    assert loop is not None
    replies = worker.replies
    _thread_call.ctx = CallContext(worker, call)
    try:
        gen = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
        seq = 0
        credit = call.credit
        for item in gen:
            if call.stopped:  # cancelled or past its deadline: stop producing
                gen.close()
                break
            frame = replies.chunk(cid, seq, item)
            if credit is not None and not credit.take_blocking(len(frame)):
                gen.close()  # the call ended while the stream waited for its consumer
                break
            loop.call_soon_threadsafe(_write_chunk, worker, call, frame)
            seq += 1
    except UnsendableChunk as exc:
        return exc.frame
    except BaseException as exc:  # noqa: BLE001
        return replies.exception(cid, exc)
    finally:
        _thread_call.ctx = None
    return replies.result(cid, None)


def _write_chunk(worker: "Worker", call: Call, frame: bytes) -> None:
    if worker.inflight.get(call.id) is call:
        worker._write(frame)


def _sync_done(worker: "Worker", call: Call, future: "ConcurrentFuture[bytes]") -> None:
    """On the loop: a plain function's executor future is done (or was cancelled by us)."""
    if future.cancelled():
        return  # cancelled while queued by Worker._stop_call, which already answered
    try:
        frame = future.result()
    except BaseException as exc:  # pragma: no cover - defensive: a call must always end
        frame = worker.replies.exception(call.id, exc)
    worker._finish(call, frame)
