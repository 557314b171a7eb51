"""A call in flight, as the worker keeps it: :class:`Call`, and a stream's send window,
:class:`Credit`.

Plain state, below everything that uses it: ``runtime`` creates and ends calls,
``execution`` runs them, ``context`` sends their Java callbacks.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from concurrent.futures import Future as ConcurrentFuture
from typing import Any, Dict, Optional, Union

__all__ = ["Call", "Credit"]


class Call:
    """A call in flight. ``task`` is the asyncio task of a suspended async call or the
    executor future of a plain one (``None`` while an eager call runs its first step)."""

    __slots__ = ("id", "function", "task", "timer", "stopped", "callbacks", "next_callback", "snapshot",
                 "credit", "trace_id", "trace")

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
        #: The W3C trace id of the call's ``traceparent``, if it had one (its log records carry it).
        self.trace_id: Optional[str] = None
        #: The call's SERVER span and context (``tracing.CallTrace``) when it is traced.
        self.trace: Any = None


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
