"""The worker as its parts see it: what ``transport``, ``execution``, ``context`` and ``logs`` may ask
of the :class:`~taipan_worker.runtime.Worker` that owns them.

The parts sit below the worker (it imports them, never the other way round), so each one
names here only the few attributes and methods it uses, and ``runtime.Worker`` has them
all: structurally, nothing inherits from these and nothing checks them at run time (they
exist for the type checker; the parts import this module under ``TYPE_CHECKING`` only, so a
call pays nothing for them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Protocol

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Executor

    from .calls import Call
    from .protocol import BadValue
    from .replies import Replies

__all__ = ["FrameLimits", "ConnectionPort", "CallbackPort", "ExecutionPort", "LogPort"]


class FrameLimits(Protocol):
    """The one setting the parts read: the biggest frame body either side may send."""

    @property
    def max_frame_bytes(self) -> int: ...


class ConnectionPort(Protocol):
    """What the socket protocol (``transport.HostProtocol``) hands frames and failures to."""

    #: While a read chunk is handled: the frames written meanwhile, which leave together
    #: after it (the transport opens and closes the batch; ``_write`` appends to it).
    _batch: Optional[List[bytes]]

    @property
    def config(self) -> FrameLimits: ...

    def _dispatch(self, msg: Dict[str, Any]) -> None: ...

    def _on_bad_value(self, bad: BadValue) -> None: ...

    def _protocol_error(self, exc: BaseException) -> None: ...

    def _internal_error(self) -> None: ...

    def _on_eof(self) -> None: ...


class LoopPort(Protocol):
    """What anything that sends frames from other threads needs: the frame limits, the loop
    it must send from, that loop's thread, and the writer."""

    @property
    def config(self) -> FrameLimits: ...

    @property
    def loop(self) -> Optional[asyncio.AbstractEventLoop]: ...

    @property
    def loop_thread(self) -> Optional[int]: ...

    def _write(self, frame: bytes) -> None: ...


class CallbackPort(LoopPort, Protocol):
    """What a call's handle (``context.CallContext``) needs to send a Java callback: the
    loop's port, and whether its call is still in flight."""

    @property
    def inflight(self) -> Dict[int, Call]: ...


class ExecutionPort(CallbackPort, Protocol):
    """What the strategies of ``execution`` need to run a call and end it; a superset of
    :class:`CallbackPort` because they give each call its ``CallContext``."""

    @property
    def replies(self) -> Replies: ...

    @property
    def executor(self) -> Executor: ...

    def _finish(self, call: Call, frame: bytes) -> None: ...


class LogPort(LoopPort, Protocol):
    """What the log forwarder (``logs.LogForwarder``) needs: the loop's port, and the socket's
    transport (None until connected; its unsent bytes bound the records)."""

    @property
    def transport(self) -> Optional[asyncio.Transport]: ...
