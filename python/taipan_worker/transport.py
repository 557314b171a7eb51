"""The connection to the host: frames in through ``FrameParser``, whole frames out.

All writes happen on the loop thread, whole frames only, so frames never interleave. The
frames produced while ``data_received`` handles one chunk (the built-ins answer at once) are
batched and leave together in one ``transport.write`` after it (``Worker._write`` appends to
the batch while one is open).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, List, Optional

from .protocol import FrameParser, ProtocolError

if TYPE_CHECKING:  # the worker imports this module, not the other way round
    from .ports import ConnectionPort


class HostProtocol(asyncio.Protocol):
    """The worker's end of the Unix socket: parses, dispatches, batches, flushes."""

    def __init__(self, worker: "ConnectionPort") -> None:
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

    async def flush(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until everything written has left the process."""
        transport = self.transport
        if transport is None:
            return
        try:
            # with both limits at 0 the transport pauses us while anything is unsent and
            # resumes us once its buffer is empty
            transport.set_write_buffer_limits(high=0, low=0)
            if self.writing_paused and not transport.is_closing():
                self.drain_waiter = asyncio.get_running_loop().create_future()
                await asyncio.wait_for(self.drain_waiter, timeout)
        except Exception:
            pass
