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
import contextvars
import types
from concurrent.futures import Future as ConcurrentFuture
from typing import TYPE_CHECKING, Any, Callable, Dict, Generator, Optional

from .calls import Call
from .context import CallContext, CallbackError, _call_trace, _task_call, _thread_call
from .registry import FunctionSpec
from .replies import UnsendableChunk

if TYPE_CHECKING:  # the worker imports this module, not the other way round
    from .ports import ExecutionPort

__all__ = ["Start", "choose", "run_inline", "start_eager", "start_task", "start_async_stream",
           "start_thread", "start_thread_stream", "CallbackError"]


#: ``start(worker, call, spec, args, kwargs)``: start the call; True while it still runs.
Start = Callable[["ExecutionPort", Call, FunctionSpec, Any, Optional[Dict[str, Any]]], bool]


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

def run_inline(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    try:
        value = spec.func(*args, **kwargs) if kwargs else spec.func(*args)
    except BaseException as exc:  # noqa: BLE001
        worker._finish(call, worker.replies.exception(call.id, exc))
    else:
        worker._finish(call, worker.replies.loop_result(call.id, value))
    return False


def start_eager(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
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


def start_task(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    call.task = worker.loop.create_task(_run_async(worker, call, spec, args, kwargs))  # type: ignore[union-attr]
    return True


def start_async_stream(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any,
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


async def _run_async(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any,
                     kwargs: Optional[Dict[str, Any]]) -> None:
    _task_call.set(CallContext(worker, call))  # this task's own context copy
    await _complete(worker, call, lambda: spec.func(*args, **kwargs) if kwargs else spec.func(*args))


async def _run_resumed(worker: "ExecutionPort", call: Call, coro: Any, yielded: Any) -> None:
    """The rest of an eagerly started coroutine that suspended in its first step."""
    await _complete(worker, call, lambda: _resume(coro, yielded))


async def _complete(worker: "ExecutionPort", call: Call, awaitable: Callable[[], Any]) -> None:
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


async def _run_async_stream(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any,
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

def start_thread(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bool:
    _submit(worker, call, _run_sync_in, spec, args, kwargs)
    return True


def start_thread_stream(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any,
                        kwargs: Optional[Dict[str, Any]]) -> bool:
    _submit(worker, call, _run_sync_stream, spec, args, kwargs)
    return True


def _submit(worker: "ExecutionPort", call: Call, body: Callable[..., bytes], spec: FunctionSpec, args: Any,
            kwargs: Optional[Dict[str, Any]]) -> None:
    loop = worker.loop
    assert loop is not None
    if call.trace is None:
        future = worker.executor.submit(body, worker, call, spec, args, kwargs)
    else:  # on the thread, in a copy of the loop's context (its current span: the call's) knowing the call
        ctx = contextvars.copy_context()
        ctx.run(_call_trace.set, call.trace)
        future = worker.executor.submit(ctx.run, body, worker, call, spec, args, kwargs)
    call.task = future
    future.add_done_callback(
        lambda f, call=call: loop.call_soon_threadsafe(_sync_done, worker, call, f)  # type: ignore[misc]
    )


def _run_sync_in(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any, kwargs: Optional[Dict[str, Any]]) -> bytes:
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


def _run_sync_stream(worker: "ExecutionPort", call: Call, spec: FunctionSpec, args: Any,
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


def _write_chunk(worker: "ExecutionPort", call: Call, frame: bytes) -> None:
    if worker.inflight.get(call.id) is call:
        worker._write(frame)


def _sync_done(worker: "ExecutionPort", call: Call, future: "ConcurrentFuture[bytes]") -> None:
    """On the loop: a plain function's executor future is done (or was cancelled by us)."""
    if future.cancelled():
        return  # cancelled while queued by Worker._stop_call, which already answered
    try:
        frame = future.result()
    except BaseException as exc:  # pragma: no cover - defensive: a call must always end
        frame = worker.replies.exception(call.id, exc)
    worker._finish(call, frame)
