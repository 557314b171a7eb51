"""Streaming back-pressure: a generator runs at most ``chunk_window`` chunks (and about
``chunk_window_bytes``) ahead of the host's ``chunk_ack``s, and a paused stream still ends
on cancel or deadline. The real worker process against the fake host (see conftest.py)."""

from __future__ import annotations

import itertools
import time
from typing import Any, Dict, List

import pytest

from taipan_worker import errors

from conftest import Worker

T = "taipan_testing.functions:"
GENERATORS = ["stream_tracked", "stream_tracked_async"]
_keys = itertools.count()


def _key() -> str:
    return f"k{next(_keys)}-{time.monotonic_ns()}"


def _stream(worker: Worker, function: str, args: Any, *, window: int, window_bytes: int = 1 << 30,
            timeout_ms: Any = None) -> int:
    cid = next(worker._ids)
    worker.send({"v": 1, "type": "call", "id": cid, "function": T + function, "args": args, "session": None,
                 "timeout_ms": timeout_ms, "chunk_window": window, "chunk_window_bytes": window_bytes})
    return cid


def _chunks(worker: Worker, cid: int, n: int) -> List[Dict[str, Any]]:
    out = [worker.recv_for(cid) for _ in range(n)]
    assert all(m["type"] == "chunk" for m in out), out
    return out


def _ack(worker: Worker, cid: int, seq: int) -> None:
    worker.send({"v": 1, "type": "chunk_ack", "id": cid, "seq": seq})


def test_hello_advertises_chunk_acks(worker: Worker) -> None:
    assert "chunk_ack" in worker.hello["capabilities"]


@pytest.mark.parametrize("generator", GENERATORS)
def test_a_stream_pauses_at_its_window_and_resumes_on_acks(worker: Worker, generator: str) -> None:
    key = _key()
    cid = _stream(worker, generator, [key, 20], window=3)
    assert [m["seq"] for m in _chunks(worker, cid, 3)] == [0, 1, 2]
    # The generator made one more item and waits to send it; given time to run ahead
    # it does not (a call on the same worker answers meanwhile: the pause stalls no one).
    assert worker.value(T + "produced", [key, 20, 0.3]) == 4
    _ack(worker, cid, 0)  # one chunk consumed: one more may come
    assert [m["seq"] for m in _chunks(worker, cid, 1)] == [3]
    assert worker.value(T + "produced", [key, 20, 0.3]) == 5
    seen = 4
    while seen < 20:  # acks in batches, as the host sends them
        _ack(worker, cid, seen - 1)
        batch = _chunks(worker, cid, min(3, 20 - seen))
        assert [m["seq"] for m in batch] == list(range(seen, seen + len(batch)))
        assert [m["data"] for m in batch] == list(range(seen, seen + len(batch)))
        seen += len(batch)
    _ack(worker, cid, 19)
    end = worker.recv_for(cid)
    assert end["type"] == "result" and end["value"] is None


@pytest.mark.parametrize("generator", GENERATORS)
def test_the_byte_window_bounds_big_chunks_but_always_lets_one_through(worker: Worker, generator: str) -> None:
    key = _key()
    cid = _stream(worker, generator, [key, 4, 10_000], window=100, window_bytes=25_000)
    assert len(_chunks(worker, cid, 2)) == 2  # two 10 kB chunks fit in 25 kB, a third does not
    assert worker.value(T + "produced", [key, 4, 0.3]) == 3
    _ack(worker, cid, 1)
    assert [m["seq"] for m in _chunks(worker, cid, 2)] == [2, 3]
    _ack(worker, cid, 3)
    assert worker.recv_for(cid)["type"] == "result"
    # A chunk bigger than the whole byte window still goes, alone.
    key = _key()
    cid = _stream(worker, generator, [key, 2, 50_000], window=100, window_bytes=1024)
    assert len(_chunks(worker, cid, 1)[0]["data"]) == 50_000
    assert worker.value(T + "produced", [key, 2, 0.3]) == 2
    _ack(worker, cid, 0)
    _chunks(worker, cid, 1)
    _ack(worker, cid, 1)
    assert worker.recv_for(cid)["type"] == "result"


@pytest.mark.parametrize("generator", GENERATORS)
def test_a_paused_stream_is_cancelled_and_the_worker_stays_healthy(worker: Worker, generator: str) -> None:
    key = _key()
    cid = _stream(worker, generator, [key, 1000], window=2)
    _chunks(worker, cid, 2)
    worker.send({"v": 1, "type": "cancel", "id": cid})
    assert worker.recv_for(cid)["kind"] == errors.CANCELLED
    assert worker.value("ping") == "pong"
    # The generator stopped for good: it produced no more than the window and the item it held
    # (an async one may be cancelled before it makes that item).
    assert 2 <= worker.value(T + "produced", [key, 1000, 0.3]) <= 3
    info = worker.value("info")
    assert info["in_flight"] == 1  # this info call only


@pytest.mark.parametrize("generator", GENERATORS)
def test_a_paused_stream_still_meets_its_deadline(worker: Worker, generator: str) -> None:
    key = _key()
    start = time.monotonic()
    cid = _stream(worker, generator, [key, 1000], window=2, timeout_ms=300)
    _chunks(worker, cid, 2)
    assert worker.recv_for(cid)["kind"] == errors.DEADLINE_EXCEEDED
    assert time.monotonic() - start < 5
    assert 2 <= worker.value(T + "produced", [key, 1000, 0.3]) <= 3


def test_a_call_without_a_window_streams_freely(worker: Worker) -> None:
    key = _key()
    cid = worker.call(T + "stream_tracked", [key, 50])
    assert [m["seq"] for m in _chunks(worker, cid, 50)] == list(range(50))
    assert worker.recv_for(cid)["type"] == "result"


def test_acks_for_unknown_or_finished_calls_are_ignored(worker: Worker) -> None:
    _ack(worker, 12345, 3)
    key = _key()
    cid = _stream(worker, "stream_tracked", [key, 1], window=4)
    _chunks(worker, cid, 1)
    assert worker.recv_for(cid)["type"] == "result"
    _ack(worker, cid, 0)
    assert worker.value("ping") == "pong"
