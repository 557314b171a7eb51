"""A DSPy stream driven from synchronous code, with the program's error kept.

``dspy.streamify(..., async_streaming=False)`` runs the program on a thread of its own, and in
some DSPy 3.x releases (3.3) an error the program raises dies with that thread: the stream just
ends, and the caller cannot tell a parse failure from a program that returned nothing. So the
bridge asks for the async stream and drives it here, re-raising what the program raised."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from typing import Any, AsyncIterator, Iterator

_END = object()


def drive(stream: AsyncIterator[Any]) -> Iterator[Any]:
    """Yields the items of ``stream`` as they come, from a thread running its event loop (in a
    copy of this context, so DSPy's settings and callbacks hold there); then raises the error
    the stream ended with, if any."""
    items: "queue.Queue[Any]" = queue.Queue()
    failure: list = []

    async def pump() -> None:
        try:
            async for item in stream:
                items.put(item)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, raised there
            failure.append(e)
        finally:
            items.put(_END)

    ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(asyncio.run, pump()), daemon=True,
                              name="taipan-dspy-stream")
    thread.start()
    while True:
        item = items.get()
        if item is _END:
            break
        yield item
    thread.join()
    if failure:
        raise _unwrapped(failure[0])


def _unwrapped(error: BaseException) -> BaseException:
    """The one error inside a task group's exception group (DSPy runs the program in an anyio
    task group), so that the bridge maps it as it maps the program's own errors."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
