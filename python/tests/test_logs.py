"""The worker's log forwarder (taipan_worker.logs): the handler, its bound, and the frames."""

from __future__ import annotations

import asyncio
import logging
import struct
import threading
import warnings
from typing import Any, Dict, List, Optional

import msgpack
import pytest

from taipan_worker import logs
from taipan_worker.calls import Call
from taipan_worker.context import CallContext, _thread_call

T = "taipan_testing.functions:"


class _Limits:
    def __init__(self, max_frame_bytes: int) -> None:
        self.max_frame_bytes = max_frame_bytes


class _Transport:
    def __init__(self) -> None:
        self.closing = False
        self.unsent = 0

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.unsent


class _Port:
    """What the forwarder uses of a worker: a real loop, a transport stand-in, the frames written."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_frame_bytes: int = 1 << 20) -> None:
        self.config = _Limits(max_frame_bytes)
        self.loop = loop
        self.loop_thread = threading.get_ident()
        self.transport: Optional[_Transport] = _Transport()
        self.frames: List[bytes] = []
        self.inflight: Dict[int, Call] = {}

    def _write(self, frame: bytes) -> None:
        self.frames.append(frame)

    def messages(self) -> List[Dict[str, Any]]:
        out = []
        for frame in self.frames:
            (length,) = struct.unpack(">I", frame[:4])
            assert length == len(frame) - 4 <= self.config.max_frame_bytes
            out.append(msgpack.unpackb(frame[4:], raw=False))
        return out


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def loop() -> Any:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def logger() -> Any:
    logger = logging.getLogger("tests.logs")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


def _forwarder(port: _Port, logger: logging.Logger, level: int = logging.DEBUG,
               bucket: Optional[logs.TokenBucket] = None) -> logs.LogForwarder:
    handler = logs.LogForwarder(port, level, bucket)  # type: ignore[arg-type]
    logger.addHandler(handler)
    return handler


def _run_until(loop: asyncio.AbstractEventLoop, condition: Any, timeout: float = 5.0) -> None:
    async def wait() -> None:
        deadline = loop.time() + timeout
        while not condition() and loop.time() < deadline:
            await asyncio.sleep(0.01)  # a bounded wait on a condition

    loop.run_until_complete(wait())
    assert condition()


def test_the_token_bucket_passes_a_burst_then_the_rate() -> None:
    clock = _Clock()
    bucket = logs.TokenBucket(rate=10, burst=3, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.1
    assert bucket.take() and not bucket.take()
    clock.now += 100
    assert sum(bucket.take() for _ in range(10)) == 3, "never more than the burst"
    with pytest.raises(ValueError):
        logs.TokenBucket(rate=0, burst=1)


@pytest.mark.parametrize("traceparent, expected", [
    ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"),
    ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00", "4bf92f3577b34da6a3ce929d0e0e4736"),
    ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", None),
    ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", None),
    ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", None),
    ("garbage", None),
    ("", None),
    (None, None),
    (42, None),
])
def test_trace_ids_are_read_defensively_from_a_traceparent(traceparent: Any, expected: Optional[str]) -> None:
    assert logs.trace_id(traceparent) == expected


def test_cut_keeps_short_text_and_cuts_long_text_at_a_character_with_a_marker() -> None:
    assert logs.cut("short", 100) == "short"
    text = "é" * 100  # 200 bytes
    cut = logs.cut(text, 51)
    assert cut == "é" * 25 + "… [truncated 150 bytes]"
    assert logs.cut("a\ud800b", 100) == "a\\ud800b", "a lone surrogate cannot cross the wire"


def test_a_record_on_the_loop_thread_leaves_at_once_formatted_with_its_exception(
        loop: Any, logger: logging.Logger) -> None:
    port = _Port(loop)
    _forwarder(port, logger)
    logger.info("%d items for %s", 3, "alice")
    try:
        raise KeyError("k")
    except KeyError:
        logger.error("failed", exc_info=True)
    first, second = port.messages()
    assert first == {"v": 1, "type": "log", "level": 20, "logger": "tests.logs", "message": "3 items for alice",
                     "exception": None, "thread": threading.current_thread().name, "call_id": None,
                     "trace_id": None}
    assert second["level"] == 40 and second["message"] == "failed"
    assert second["exception"].startswith("Traceback (most recent call last):")
    assert second["exception"].endswith("KeyError: 'k'")
    bad = logging.LogRecord("tests.logs", logging.WARNING, __file__, 1, "bad args %d", ("not a number",), None)
    fields = logs.LogForwarder(port, logging.DEBUG).fields(bad)  # type: ignore[arg-type]
    assert "could not apply its arguments" in fields["message"], "a bad record is still told, not lost"


def test_records_of_a_call_thread_carry_its_call_and_trace_id_and_go_through_the_loop(
        loop: Any, logger: logging.Logger) -> None:
    port = _Port(loop)
    _forwarder(port, logger)
    call = Call(7, "f")
    call.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"

    def run() -> None:
        _thread_call.ctx = CallContext(port, call)  # type: ignore[arg-type]
        try:
            logger.warning("from the call")
        finally:
            _thread_call.ctx = None

    thread = threading.Thread(target=run, name="taipan-call_0")
    thread.start()
    thread.join()
    assert port.frames == [], "another thread never writes: the loop does"
    _run_until(loop, lambda: len(port.frames) == 1)
    (msg,) = port.messages()
    assert (msg["call_id"], msg["trace_id"], msg["thread"]) == (7, "4bf92f3577b34da6a3ce929d0e0e4736", "taipan-call_0")


def test_a_flood_is_dropped_past_the_bucket_and_summarised_once(loop: Any, logger: logging.Logger) -> None:
    port = _Port(loop)
    handler = _forwarder(port, logger, bucket=logs.TokenBucket(rate=1e-9, burst=10))
    for i in range(1000):
        logger.info("record %d", i)
    assert len(port.frames) == 10
    assert handler.dropped_total == 990
    _run_until(loop, lambda: len(port.frames) == 11)
    summary = port.messages()[-1]
    assert summary["level"] == logging.WARNING and summary["logger"] == logs.SUMMARY_LOGGER
    assert summary["message"].startswith("990 log records dropped")
    logger.info("one more")  # dropped, and reported a second after the last summary
    _run_until(loop, lambda: len(port.frames) == 12, timeout=3)
    assert port.messages()[-1]["message"].startswith("1 log records dropped (")


def test_a_huge_record_is_cut_to_fit_the_smallest_frame(loop: Any, logger: logging.Logger) -> None:
    port = _Port(loop, max_frame_bytes=1024)
    _forwarder(port, logger)
    try:
        raise ValueError("v" * 100_000)
    except ValueError:
        logger.exception("m" * 100_000)
    (msg,) = port.messages()  # the frame checks its own length against the limit
    assert msg["message"].startswith("m" * 200) and "[truncated" in msg["message"]
    assert "[truncated" in msg["exception"]


def test_nothing_is_written_or_raised_once_the_socket_is_gone_or_while_the_host_is_behind(
        loop: Any, logger: logging.Logger) -> None:
    port = _Port(loop)
    handler = _forwarder(port, logger)
    assert port.transport is not None
    port.transport.unsent = logs.MAX_UNSENT_BYTES + 1
    logger.info("slow host")
    assert port.frames == [] and handler.dropped_total == 1
    port.transport.unsent = 0
    port.transport.closing = True
    logger.info("gone")
    port.transport = None
    logger.info("gone too")
    assert port.frames == []


def test_install_routes_warnings_and_sets_the_threshold(loop: Any) -> None:
    port = _Port(loop)
    root = logging.getLogger()
    level = root.level
    handler = logs.install(port, logging.INFO)  # type: ignore[arg-type]
    try:
        logging.getLogger("tests.install").debug("below")
        logging.getLogger("tests.install").info("above")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("careful", UserWarning)
    finally:
        logs.uninstall(handler)
        root.setLevel(level)
    messages = [m for m in port.messages() if m["logger"] in ("tests.install", "py.warnings")]
    assert [m["message"] for m in messages][0] == "above"
    assert messages[1]["logger"] == "py.warnings" and messages[1]["level"] == logging.WARNING
    assert "UserWarning: careful" in messages[1]["message"]


@pytest.mark.process
def test_a_real_worker_sends_records_with_the_calls_trace_id_only_when_asked(host: Any) -> None:
    worker = host.start(log_level=logging.DEBUG)
    assert any(m["message"] == "taipan_testing.functions imported" for m in worker.logs), "import-time records"
    worker.send({"v": 1, "type": "call", "id": 5, "function": T + "log_levels", "args": ["x"], "session": None,
                 "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "timeout_ms": None})
    received = []
    while True:
        msg = worker.recv()
        assert msg is not None
        if msg["type"] == "result":
            break
        received.append(msg)
    assert [m["message"] for m in received] == ["trace x", "debug x", "info x 20", "warning x", "error x",
                                                "critical x", "failed x"][1:], "level 5 is below DEBUG"
    assert {(m["call_id"], m["trace_id"]) for m in received} == {(5, "4bf92f3577b34da6a3ce929d0e0e4736")}
    quiet = host.start(worker_id="w-2")
    assert quiet.logs == []
    assert quiet.value(T + "log_levels", ["q"]).startswith("taipan-call")
    quiet.heartbeat(1)
    assert quiet.recv() == {"v": 1, "type": "heartbeat", "seq": 1}, "no log frame for a host that did not ask"
