"""A worker's Python ``logging`` records and ``warnings``, to the host as ``log`` frames.

The host asks for them with ``log_level`` (a Python level number) in the spawned worker's
``start`` frame or the zygote's ``env`` request; without it (an older pool) nothing is
installed and logging behaves as in any Python process. With it, :func:`install` puts one
:class:`LogForwarder` on the root logger, sets the root logger's level to the threshold, and
routes ``warnings.warn`` through logging (logger ``py.warnings``, at WARNING).

Each record is formatted where it is emitted (``%``-arguments applied, the exception and
stack as text), cut to a bounded size, and handed to the event loop, which writes it as one
frame. Nothing here ever blocks or raises into the code that logs:

* a token bucket (:data:`RATE` records/s after a burst of :data:`BURST`) bounds a chatty
  function; a refused record is counted, and one summary record ``"N log records dropped"``
  at WARNING follows within a second (logger ``taipan_worker.logs``);
* records from other threads wait in a bounded queue for the loop (past :data:`MAX_QUEUED`
  they are dropped and counted the same way), and none is written while the socket's
  unsent bytes exceed :data:`MAX_UNSENT_BYTES` (a slow host);
* once the socket is gone records are dropped silently.

The runtime's own lifecycle lines are not logging records (they are printed to stderr, only
with ``TAIPAN_WORKER_DEBUG=1``), so they never arrive twice.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Optional

from .context import _task_call, _thread_call
from .protocol import encode_frame

if TYPE_CHECKING:
    from .ports import LogPort

#: The key of the start frame / env request that turns forwarding on: a Python level number.
LEVEL_KEY = "log_level"
#: Records per second after the burst, and the burst (as the host's OutputLimiter has for lines).
RATE = 1000.0
BURST = 5000
#: The most UTF-8 bytes of a record's message, and of its exception text, each.
MAX_TEXT_BYTES = 32 * 1024
#: Room kept in the frame for the envelope and the other fields.
FRAME_RESERVE_BYTES = 512
MAX_LOGGER_CHARS = 200
MAX_THREAD_CHARS = 100
#: Records from other threads waiting for the loop.
MAX_QUEUED = 10_000
#: Records are dropped while the socket holds this much unsent (the host reads slowly).
MAX_UNSENT_BYTES = 4 * 1024 * 1024
#: The summary of dropped records comes at most this often.
REPORT_EVERY_S = 1.0
TRUNCATED = "… [truncated {} bytes]"
SUMMARY_LOGGER = "taipan_worker.logs"

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}")


def trace_id(traceparent: Any) -> Optional[str]:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``), or None when
    it is absent, malformed, or the all-zero (invalid) id. Never raises."""
    if not isinstance(traceparent, str) or len(traceparent) > 512:
        return None
    text = traceparent.strip().lower()
    match = _TRACEPARENT.match(text)
    if match is None or match.group(1) == "0" * 32 or text.startswith("ff"):
        return None  # version ff is invalid, and so is the all-zero trace id
    return match.group(1)


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes (plus the marker): cut at a character
    boundary, the marker saying how many bytes were left out. Lone surrogates (they cannot
    cross the wire) are written as ``\\udXXX`` escapes."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = text.encode("utf-8", "backslashreplace")
        text = data.decode("utf-8")
    if len(data) <= limit:
        return text
    head = data[:limit].decode("utf-8", "ignore")  # drops an incomplete last character
    return head + TRUNCATED.format(len(data) - len(head.encode("utf-8")))


class TokenBucket:
    """``burst`` tokens refilled at ``rate`` per second; thread-safe."""

    def __init__(self, rate: float = RATE, burst: int = BURST, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self._tokens = float(burst)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class LogForwarder(logging.Handler):
    """Sends the records it handles to the host through ``port`` (the worker): see the module."""

    def __init__(self, port: "LogPort", level: int, bucket: Optional[TokenBucket] = None) -> None:
        super().__init__(level)
        self.port = port
        self.bucket = bucket or TokenBucket()
        self._queue: Deque[Dict[str, Any]] = deque()
        self._drain_scheduled = False
        self._report_scheduled = False
        self._state = threading.Lock()  # guards the counters and the two flags
        self._dropped = 0  # not yet reported
        self.dropped_total = 0
        self._reported_at = -REPORT_EVERY_S
        self._inside = threading.local()  # a record emitted while one is being sent is dropped
        limit = port.config.max_frame_bytes - FRAME_RESERVE_BYTES
        self.text_limit = max(64, min(MAX_TEXT_BYTES, limit // 2))

    # ------------------------------------------------------------------ any thread

    def emit(self, record: logging.LogRecord) -> None:
        inside = self._inside
        if getattr(inside, "active", False):
            return  # logging from inside our own sending (asyncio's socket warnings): never loop
        inside.active = True
        try:
            if not self.bucket.take():
                self._drop()
                return
            fields = self.fields(record)
            port = self.port
            if port.loop_thread == threading.get_ident() and port.transport is not None and not self._queue:
                self._send(fields)
            else:
                self._enqueue(fields)
        except Exception:  # noqa: BLE001 - logging must never fail the code that logs
            pass
        finally:
            inside.active = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass  # the default prints to stderr; a lost record is not worth a traceback per record

    def fields(self, record: logging.LogRecord) -> Dict[str, Any]:
        """The frame's fields for ``record``, formatted and cut to size (on the emitting thread:
        the arguments may change later)."""
        try:
            message = record.getMessage()
        except Exception as exc:  # noqa: BLE001 - bad %-arguments: say so, keep the record
            message = f"{record.msg!r} (could not apply its arguments {record.args!r}: {exc})"
        exception = None
        parts = []
        if record.exc_info and record.exc_info[0] is not None:
            parts.append("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        if parts:
            exception = cut("\n".join(parts), self.text_limit)
        ctx = _task_call.get() or getattr(_thread_call, "ctx", None)
        call = ctx._call if ctx is not None else None
        return {
            "v": 1,
            "type": "log",
            "level": int(record.levelno),
            "logger": cut(record.name or "root", MAX_LOGGER_CHARS),
            "message": cut(message, self.text_limit),
            "exception": exception,
            "thread": cut(record.threadName or "", MAX_THREAD_CHARS) or None,
            "call_id": call.id if call is not None else None,
            "trace_id": call.trace_id if call is not None else None,
        }

    def _enqueue(self, fields: Dict[str, Any]) -> None:
        with self._state:
            if len(self._queue) >= MAX_QUEUED:
                self._count_drop()
                return
            self._queue.append(fields)
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        self._call_soon(self.drain)

    def _drop(self) -> None:
        with self._state:
            self._count_drop()

    def _count_drop(self) -> None:
        self._dropped += 1
        self.dropped_total += 1
        if not self._report_scheduled:
            self._report_scheduled = True
            self._call_soon(self._schedule_report)

    def _call_soon(self, callback: Callable[[], None]) -> None:
        loop = self.port.loop
        if loop is None:
            return  # before the loop runs: drain() is called once it does (see start())
        try:
            loop.call_soon_threadsafe(callback)
        except RuntimeError:
            pass  # the loop is closed: the worker is exiting

    # ------------------------------------------------------------------ the loop thread

    def start(self) -> None:
        """The loop runs and the socket is connected: send what waited for it."""
        with self._state:
            self._drain_scheduled = False
            pending = self._dropped > 0 and not self._report_scheduled
            if pending:
                self._report_scheduled = True
        self.drain()
        if pending:
            self._schedule_report()

    def drain(self) -> None:
        """Send every queued record (also right before the worker exits)."""
        with self._state:
            self._drain_scheduled = False
        queue = self._queue
        while queue:
            self._send(queue.popleft())

    def _schedule_report(self) -> None:
        loop = self.port.loop
        assert loop is not None
        wait = max(0.0, self._reported_at + REPORT_EVERY_S - loop.time())
        loop.call_later(wait, self.report)

    def report(self) -> None:
        """Send the summary of the records dropped since the last one (a record of its own,
        past the bucket: at most one a second)."""
        loop = self.port.loop
        with self._state:
            count, total = self._dropped, self.dropped_total
            self._dropped = 0
            self._report_scheduled = False
        if loop is not None:
            self._reported_at = loop.time()
        if count == 0:
            return
        self.drain()  # the records before the drops come first
        self._send({
            "v": 1,
            "type": "log",
            "level": logging.WARNING,
            "logger": SUMMARY_LOGGER,
            "message": f"{count} log records dropped (over {RATE:.0f} records/s after a burst of {BURST}, "
                       f"or the host reading slowly; {total} in all)",
            "exception": None,
            "thread": None,
            "call_id": None,
            "trace_id": None,
        }, counted=False)

    def _send(self, fields: Dict[str, Any], counted: bool = True) -> None:
        port = self.port
        transport = port.transport
        if transport is None or transport.is_closing():
            return  # the socket is gone: nobody to tell
        if counted and transport.get_write_buffer_size() > MAX_UNSENT_BYTES:
            with self._state:
                self._count_drop()
            return
        inside = self._inside
        was = getattr(inside, "active", False)
        inside.active = True
        try:
            port._write(encode_frame(fields, port.config.max_frame_bytes))
        except Exception:  # noqa: BLE001 - a record that cannot be encoded is dropped, not fatal
            pass
        finally:
            inside.active = was


def install(port: "LogPort", level: int) -> LogForwarder:
    """Forward the records of ``level`` and above (and warnings) to the host through ``port``."""
    handler = LogForwarder(port, level)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return handler


def uninstall(handler: LogForwarder) -> None:
    logging.getLogger().removeHandler(handler)
    logging.captureWarnings(False)
